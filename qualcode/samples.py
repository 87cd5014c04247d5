"""The shipped codebooks and sample transcripts, and the demo project built from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

STUDIES = {
    "rln": "RLN interviews (England), Figure A1.1",
    "pess": "Pess network interviews (Germany), Figure A1.2",
}


def samples_root() -> Path:
    """Where ``codebooks/`` and ``transcripts/`` are: inside the installed wheel, or the source tree."""
    package = Path(__file__).resolve().parent
    for root in (package / "_samples", package.parent):
        if (root / "codebooks").is_dir() and (root / "transcripts").is_dir():
            return root
    raise FileNotFoundError("the shipped codebooks and transcripts are missing from this installation")


def codebook_path(study: str) -> Path:
    return samples_root() / "codebooks" / f"{study}.yaml"


def transcript_files(study: str) -> list[Path]:
    folder = samples_root() / "transcripts" / study
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".txt", ".md", ".docx", ".vtt", ".srt"))


def coding_files(study: str) -> list[Path]:
    folder = samples_root() / "transcripts" / study / "codings"
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


def matrix_files(study: str) -> list[Path]:
    """Worked framework matrices shipped with a study (YAML, read by ``qualcode.analysis.matrix.load_matrix``)."""
    folder = samples_root() / "transcripts" / study / "matrices"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


@dataclass
class DemoProject:
    path: Path
    study: str
    created: bool


def build_demo(
    directory: Path, study: str = "rln", fresh: bool = False, progress: Callable[[str], None] | None = None
) -> DemoProject:
    """Build (or reuse) the demo project for one study in ``directory``: codebook, transcripts,
    codings and the worked framework matrices.

    An existing demo project is reused so that work done in it survives; ``fresh`` rebuilds it.
    """
    from qualcode.analysis.matrix import load_matrix
    from qualcode.codebook import load_codebook
    from qualcode.errors import QualcodeError
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project

    if study not in STUDIES:
        raise QualcodeError(f"unknown study {study!r}; choose one of {', '.join(STUDIES)}")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{study}.db"
    if path.exists() and not fresh:
        return DemoProject(path, study, created=False)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    project = Project.create(str(path), load_codebook(codebook_path(study)), name=f"{study} demo")
    try:
        for file in transcript_files(study):
            if progress:
                progress(file.name)
            project.import_transcript(parse_file(file, max_chars=project.max_segment_chars))
        for file in coding_files(study):
            if progress:
                progress(file.name)
            project.import_codings(file, add_coders=True)
        for file in matrix_files(study):
            if progress:
                progress(file.name)
            project.analysis.import_matrix(load_matrix(file))
    finally:
        project.close()
    return DemoProject(path, study, created=True)

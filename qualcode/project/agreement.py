"""Agreement queries: reliability data and disagreements from a project's codings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError
from qualcode.project.codebook import CodebookPart
from qualcode.project.codings import CodingPart
from qualcode.project.settings import SettingsPart
from qualcode.project.transcripts import TranscriptPart
from qualcode.store import (
    Store,
)

if TYPE_CHECKING:  # qualcode.agreement computes on numpy: loaded by the commands that use it
    from qualcode.agreement.units import ReliabilityData


@dataclass(frozen=True)
class Disagreement:
    code_key: str
    code_name: str
    transcript: str
    segment_id: int
    position: int
    speaker: str | None
    text: str
    applied_by: tuple[str, ...]  # coders who applied the code (or one below it) here
    not_by: tuple[str, ...]


class AgreementPart:
    def __init__(
        self,
        store: Store,
        settings: SettingsPart,
        codebook: CodebookPart,
        transcripts: TranscriptPart,
        codings: CodingPart,
    ) -> None:
        self._store = store
        self._settings = settings
        self._codebook = codebook
        self._transcripts = transcripts
        self._codings = codings

    def reliability_data(
        self,
        coders: list[str],
        unit: str = "segment",
        codes: str | None = None,
        transcripts: list[str] | None = None,
        include_interviewer: bool = False,
    ) -> ReliabilityData:
        """Units-by-coders arrays per code for ``coders`` (see ``qualcode.agreement.units``).

        ``codes`` limits the report to one code and everything below it.
        """
        from qualcode.agreement.units import CodeNode, build, descendants

        if len(coders) < 2:
            raise QualcodeError("agreement needs at least two coders")
        if len(set(coders)) != len(coders):
            raise QualcodeError("name each coder once")
        for coder in coders:
            self._settings.coder(coder)
        nodes = [CodeNode(c.key, c.name, c.parent_key, c.depth) for c in self._codebook.codes()]
        if codes:
            below = descendants(nodes)
            if codes not in below:
                raise QualcodeError(f"unknown code {codes!r}; `qualcode codebook show` lists the codes")
            keep = below[codes]
            top = next(n.depth for n in nodes if n.key == codes)
            nodes = [
                CodeNode(n.key, n.name, n.parent_key if n.key != codes else None, n.depth - top)
                for n in nodes
                if n.key in keep
            ]
        names = {t.id: t.name for t in self._transcripts.transcripts()}
        if transcripts:
            unknown = sorted(set(transcripts) - set(names.values()))
            if unknown:
                raise QualcodeError(f"no transcript named {unknown[0]!r}; `qualcode transcripts list` shows them")
        data = build(
            coders,
            nodes,
            self._transcripts.segment_rows(),
            self._codings.coding_rows(coders),
            names,
            unit,
            include_interviewer,
            transcripts,
            self._settings.speakers(),
        )
        if not data.transcripts:
            left = "; ".join(
                f"{n} not coded by {', '.join(c)}" for n, c in sorted(data.skipped_transcripts.items())[:3]
            )
            raise QualcodeError(
                f"no transcript has been coded by all of {', '.join(coders)}" + (f" ({left})" if left else "")
            )
        return data

    @staticmethod
    def table_agreement(path: Path, level: str = "nominal", categories: int | None = None, fmt: str = "md") -> str:
        """Every agreement measure for a coding table made elsewhere (CSV of unit, coder, value), as
        ``json``, ``csv`` or Markdown text. Needs no project."""
        from qualcode.agreement.table import render_table_agreement, table_agreement

        return render_table_agreement(table_agreement(path, level, categories), fmt)

    def disagreements(
        self,
        coders: list[str],
        codes: str | None = None,
        transcripts: list[str] | None = None,
        include_interviewer: bool = False,
    ) -> list[Disagreement]:
        """Per code (codebook order), the segments where the coders differ on it."""
        data = self.reliability_data(coders, "segment", codes, transcripts, include_interviewer)
        texts = {tid: self._transcripts.transcript_text(tid) for tid in data.transcripts}
        speakers = self._settings.speakers()
        compared = [
            row
            for row in self._transcripts.segment_rows()
            if row[1] in data.transcripts and (include_interviewer or not speakers.is_interviewer(row[3], row[1]))
        ]
        out: list[Disagreement] = []
        for code in data.codes:
            values = data.values[code.key]
            differ = values.max(axis=1) != values.min(axis=1)
            for index in differ.nonzero()[0]:
                sid, tid, position, speaker, start, end = compared[index]
                applied = tuple(c for i, c in enumerate(data.coders) if values[index, i] == 1)
                not_by = tuple(c for c in data.coders if c not in applied)
                out.append(
                    Disagreement(
                        code.key,
                        code.name,
                        data.transcripts[tid],
                        sid,
                        position,
                        speaker,
                        texts[tid][start:end],
                        applied,
                        not_by,
                    )
                )
        return out

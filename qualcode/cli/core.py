"""Project commands: init, import, transcripts, codebook, coders, check, demo."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import click

from qualcode.cli.common import (
    Column,
    coders_option,
    console,
    db_option,
    format_option,
    old_coder_option,
    open_project,
    plain,
    print_table,
    progress_bar,
    stdout_is_terminal,
    working,
)
from qualcode.cli.terminal import safe_text
from qualcode.errors import CodebookError, InputError, QualcodeError
from qualcode.limits import check_length
from qualcode.segments import segment_ref, touched

TRANSCRIPT_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".odt", ".vtt", ".srt", ".json", ".tsv", ".html", ".htm")


# ---------------------------------------------------------------------- init


@click.command()
@click.argument("path", required=False)
@click.option(
    "--codebook",
    "codebook_file",
    type=click.Path(dir_okay=False),
    help="Codebook YAML to start from (e.g. codebooks/rln.yaml).",
)
@click.option("--name", help="A name for the project (default: the file name).")
@db_option
def init(path: str | None, codebook_file: str | None, name: str | None, db: str | None) -> None:
    """Create a new project (default ./qualcode.db), optionally with a codebook.

    \b
    Examples:
      qualcode init study.db --codebook codebooks/rln.yaml
      qualcode init --db postgresql://team@localhost/study \\
          --codebook codebooks/pess.yaml
    """
    from qualcode.codebook import load_codebook
    from qualcode.project import Project

    doc = load_codebook(codebook_file) if codebook_file else None
    with Project.create(path or db, doc, name=name) as project:
        codes = len(doc.by_id()) if doc else 0
        click.echo(
            f"created {project.location} with {codes} codes" + (f" from {codebook_file}" if codebook_file else "")
        )
        where = _db_argument(project.location, from_env=path is None and _db_from_env(db))
        click.echo("next:")
        click.echo(f"  qualcode coders add{where} NAME…")
        click.echo(f"  qualcode import{where} FILES_OR_FOLDERS…")
        click.echo(f"  qualcode code{where} --coder NAME")
        if where:
            click.echo(f"  (or `export QUALCODE_DB={shlex.quote(project.location)}` and leave out --db)")


def _db_from_env(db: str | None) -> bool:
    return db is not None and os.environ.get("QUALCODE_DB") == db


def _db_argument(location: str, from_env: bool) -> str:
    """`` --db LOCATION`` for the hints after init, so that they work when run as printed;
    nothing when the project is the default ./qualcode.db or $QUALCODE_DB already names it."""
    if from_env or location == "qualcode.db":
        return ""
    return f" --db {shlex.quote(location)}"


# ---------------------------------------------------------------------- import


def _expand(paths: tuple[str, ...]) -> tuple[list[Path], list[Path], list[Path], set[Path]]:
    """Transcripts, codings files (and Taguette highlights CSVs, which need the transcripts), and
    project files (REFI-QDA, QualCoder, Taguette) to import, and which codings files were found
    inside a folder (rather than named)."""
    from qualcode.ingest.peers import PEER_SUFFIXES, peer_kind, qualcoder_folder
    from qualcode.refi import REFI_SUFFIXES

    transcripts, codings, refi, in_folders = [], [], [], set()
    for raw in paths:
        path = Path(raw)
        if qualcoder_folder(path) is not None:  # a QualCoder project is a folder: only data.qda is its data
            refi.append(path)
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        qda = {p.parent for p in files if p.name == "data.qda" and qualcoder_folder(p.parent) is not None}
        for file in files:
            suffix = file.suffix.lower()
            if qda and not qda.isdisjoint(file.parents):
                if file.name == "data.qda" and file.parent in qda:
                    refi.append(file.parent)
                continue  # what else a QualCoder project folder keeps (copies of its documents…) is not to import
            kind = peer_kind(file) if not path.is_dir() or suffix in (*PEER_SUFFIXES, ".csv") else None
            if kind == "taguette-highlights":
                codings.append(file)
            elif kind is not None:
                refi.append(file)
            elif suffix == ".csv":
                codings.append(file)
                if path.is_dir():
                    in_folders.add(file)
            elif suffix in REFI_SUFFIXES:
                refi.append(file)
            elif path.is_dir() and suffix not in TRANSCRIPT_SUFFIXES:
                continue  # inside folders, import what looks like transcripts and skip the rest
            else:
                transcripts.append(file)
    return transcripts, codings, refi, in_folders


def _dry_run(
    transcripts, codings, refi, max_bytes: int, max_chars: int | None, allow_external: bool, interviewer: str | None
) -> None:
    """What ``import`` would bring in, read from the files alone (the project is not opened)."""
    from qualcode.ingest.codings import read_codings
    from qualcode.ingest.peer_import import describe_peer
    from qualcode.ingest.peers import peer_kind
    from qualcode.ingest.refi_read import describe_refi
    from qualcode.ingest.transcripts import parse_file

    failed = 0
    out = console()
    for file in refi:
        try:
            if peer_kind(file):
                line, warnings = describe_peer(file)
            else:
                line, warnings = describe_refi(file, allow_external=allow_external)
            click.echo(line)
            for warning in warnings:
                click.echo(f"warning: {warning}", err=True)
        except QualcodeError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
    for file in transcripts:
        try:
            parsed = parse_file(file, max_bytes=max_bytes, max_chars=1200 if max_chars is None else max_chars)
            _check_interviewer(file, parsed, interviewer)
            out.print(plain(f"{file}: {len(parsed.segments)} segments; " + _describe_transcript(parsed, interviewer)))
        except InputError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
    for file in codings:
        try:
            if peer_kind(file):
                line, warnings = describe_peer(file)
                click.echo(line)
                continue
            rows = read_codings(file)
            coders = sorted({r.coder for r in rows})
            click.echo(f"{file}: {len(rows)} codings by {', '.join(coders) or 'nobody'}")
        except InputError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
    click.echo("dry run: nothing was imported")
    if failed:
        raise SystemExit(1)


def _describe_transcript(parsed, interviewer: str | None) -> str:
    """The detected format, each speaker with its number of turns, and whom import takes for the interviewer."""
    from qualcode.speakers import DEFAULT_SPEAKERS, speaker_turns

    fmt = parsed.meta.get("source_format") or {"txt": "text", "md": "Markdown"}.get(parsed.format, parsed.format)
    flags = parsed.meta.get("flags") or []
    turns = speaker_turns(seg.speaker for seg in parsed.segments)
    named = [(s, n) for s, n in turns if s is not None]
    parts = [f"format: {fmt}" + (f" ({', '.join(flags)})" if flags else "")]
    if named:
        parts.append("speakers: " + ", ".join(f"{s} ({n} turn{'s' if n != 1 else ''})" for s, n in named))
        unnamed = sum(n for s, n in turns if s is None)  # e.g. a Zoom cue it did not attribute
        if unnamed:
            parts.append(f"{unnamed} turn{'s' if unnamed != 1 else ''} without a speaker")
        if interviewer:
            parts.append(f"interviewer: {interviewer} (--interviewer)")
        else:
            found = [s for s, _ in named if DEFAULT_SPEAKERS.is_interviewer(s)]
            parts.append(
                f"interviewer: {', '.join(found)} (by the interviewer labels)"
                if found
                else "interviewer: none of these is an interviewer label; name one with --interviewer NAME"
            )
    else:
        parts.append("no speakers")
    if parsed.meta.get("overlaps"):
        n = len(parsed.meta["overlaps"])
        parts.append(f"{n} overlapping turn{'s' if n != 1 else ''} marked")
    return "; ".join(parts)


def _name_interviewer(parsed, interviewer: str) -> None:
    """``--interviewer NAME``: the file's speaker of that name is the interviewer in this transcript
    (its speakers map, ``qualcode.speakers``), whatever the project's labels say elsewhere."""
    from qualcode.speakers import SpeakerRole, norm

    wanted = norm(interviewer)
    if any(norm(r.speaker) == wanted for r in parsed.front.speakers):
        return  # the front matter already says who this speaker is
    label = next((s.speaker for s in parsed.segments if s.speaker and norm(s.speaker) == wanted), interviewer)
    parsed.front.speakers = [*parsed.front.speakers, SpeakerRole(label, interviewer=True)]


def _check_interviewer(file: Path, parsed, interviewer: str | None) -> None:
    """``--interviewer NAME`` must be a speaker of the file (compared as labels are: without case
    and extra spaces)."""
    from qualcode.speakers import Speakers

    if interviewer is None:
        return
    speakers = sorted({seg.speaker for seg in parsed.segments if seg.speaker})
    if not any(Speakers.from_labels([interviewer]).is_interviewer(s) for s in speakers):
        listed = ", ".join(repr(s) for s in speakers[:10]) or "none"
        raise InputError(str(file), f"no speaker named {interviewer!r} (--interviewer); its speakers: {listed}")


def _unknown_coders(project, file: Path) -> list[str]:
    from qualcode.ingest.codings import read_codings

    known = {c.name for c in project.coders()}
    return sorted({row.coder for row in read_codings(file)} - known)


def _attributes(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint="--attr")
        out[key.strip()] = val.strip()
        check_length("attribute name", key.strip(), "--attr")
        check_length("attribute value", val.strip(), f"--attr {key.strip()}")
    return out


def _failure(file: Path, exc: Exception) -> str:
    """One line for a file that could not be imported; the file's transaction was rolled back."""
    if isinstance(exc, QualcodeError):
        return str(exc) if str(exc).startswith(str(file)) else f"{file}: {exc}"
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{file}: not imported, unexpected {type(exc).__name__}: {first} (please report this)"


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True)
@click.option("--participant", help="Participant label for these files (overrides the front matter).")
@click.option(
    "--attr",
    "attrs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Participant attribute, e.g. --attr role=Teacher (repeatable).",
)
@click.option("--name", help="Transcript name (only with a single file; default: the file name).")
@click.option(
    "--max-size",
    type=click.FloatRange(min=0.001),
    default=10.0,
    show_default=True,
    help="Largest transcript file accepted, in MB.",
)
@click.option(
    "--max-segment-chars",
    type=click.IntRange(min=0),
    default=None,
    help="Split turns longer than this at sentence boundaries (default: the project's setting, 1200; 0 = never).",
)
@click.option(
    "--add-coders", is_flag=True, help="Create coders named in codings files instead of refusing unknown names."
)
@click.option(
    "--allow-external",
    is_flag=True,
    help="REFI-QDA: read sources the file points to outside itself (relative:// and absolute:// paths).",
)
@click.option(
    "--coder",
    "credit",
    metavar="NAME",
    help="Taguette highlights CSV: the coder its codings are credited to (the file names none; default: taguette).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read every file and say what it holds (segments split at --max-segment-chars, else 1200); change nothing.",
)
@click.option(
    "--interviewer",
    metavar="NAME",
    help="The speaker who is the interviewer in these files (kept in each transcript's speakers map).",
)
@db_option
def import_(
    paths,
    participant,
    attrs,
    name,
    max_size,
    max_segment_chars,
    add_coders,
    allow_external,
    credit,
    dry_run,
    interviewer,
    db,
) -> None:
    """Import transcripts, codings (.csv), REFI-QDA files (.qdpx .qde .qdc), QualCoder projects
    (.qda) and Taguette exports (.sqlite3, codebook and highlights CSV).

    Transcripts: .txt .md .docx .odt .vtt .srt .json .tsv .html, recognised by their content
    (Otter.ai, Microsoft Teams, Zoom, Rev, Descript, Trint, noScribe, Whisper, Podcasting 2.0,
    or plain `Speaker: text`); --dry-run names the format found and the speakers.

    Each file is imported in its own transaction: a file that fails leaves no trace and the
    others go on. Re-importing an unchanged file does nothing. Folders are searched for
    transcripts. Codings files are imported after the transcripts they refer to; one found in a
    folder is imported when the project knows its coders (`qualcode coders add`, or
    --add-coders) and otherwise skipped with a note, since a folder of interviews is imported
    before the study's coders are known.

    \b
    Transcript text files may start with YAML front matter:
      ---
      participant: Headteacher N248
      role: Headteacher
      school: School C
      ---
      Interviewer: How did the school come to join the network?
      Headteacher: …
    """
    from qualcode.ingest.peers import peer_kind
    from qualcode.ingest.transcripts import parse_file

    attributes = _attributes(attrs)
    check_length("participant label", participant, "--participant")
    check_length("transcript name", name, "--name")
    transcripts, codings, refi, in_folders = _expand(paths)
    if name and len(transcripts) != 1:
        raise QualcodeError("--name needs exactly one transcript file")
    if not transcripts and not codings and not refi:
        raise QualcodeError("no transcript or codings files found in " + ", ".join(paths))
    if dry_run:
        _dry_run(
            transcripts, codings, refi, int(max_size * 1024 * 1024), max_segment_chars, allow_external, interviewer
        )
        return
    if interviewer is not None:
        interviewer = " ".join(interviewer.split())
        check_length("speaker label", interviewer, "--interviewer")
    failures: list[str] = []
    counts = {"imported": 0, "unchanged": 0}
    coded = {"added": 0, "unchanged": 0}
    skipped: list[Path] = []  # codings files in a folder whose coders the project does not know
    skipped_coders: set[str] = set()
    warnings: list[str] = []  # what a REFI-QDA file held that qualcode cannot keep
    with open_project(db) as project:
        limit = project.max_segment_chars if max_segment_chars is None else max_segment_chars
        out = console()
        with progress_bar(out) as bar:
            task = bar.add_task("importing", total=len(transcripts) + len(codings) + len(refi))
            for file in refi:  # REFI-QDA projects first: their sources and codes may be what the rest refers to
                bar.update(task, description=f"importing {file.name}")
                try:
                    if peer_kind(file):
                        summary = project.import_peer(file)
                    else:
                        summary = project.import_refi(file, allow_external=allow_external)
                    bar.console.print(plain(f"imported {file}: " + "; ".join(summary.lines())))
                    warnings += [f"{file}: {warning}" for warning in summary.warnings]
                except Exception as exc:  # one file's failure never stops the batch
                    failures.append(_failure(file, exc))
                bar.advance(task)
            for file in transcripts:
                bar.update(task, description=f"importing {file.name}")
                try:
                    parsed = parse_file(file, max_bytes=int(max_size * 1024 * 1024), max_chars=limit)
                    _check_interviewer(file, parsed, interviewer)
                    if interviewer:
                        _name_interviewer(parsed, interviewer)
                    outcome = project.import_transcript(
                        parsed, participant=participant, attributes=attributes, name=name
                    )
                    counts[outcome.status] += 1
                    if outcome.status == "imported":
                        flags = "".join(f" ({flag})" for flag in parsed.meta.get("flags", []))
                        found = parsed.meta.get("source_format")
                        bar.console.print(
                            plain(
                                f"imported {file}: {outcome.segments} segments as {outcome.name!r}"
                                + (f", read as {found}" if found else "")
                                + flags
                            )
                        )
                    else:
                        bar.console.print(plain(f"unchanged {file}: {outcome.detail}"))
                except Exception as exc:
                    failures.append(_failure(file, exc))
                bar.advance(task)
            for file in codings:
                bar.update(task, description=f"importing {file.name}")
                try:
                    if peer_kind(file) == "taguette-highlights":
                        summary = project.import_peer(file, credit)
                        coded["added"] += summary.codings_added
                        coded["unchanged"] += summary.codings_unchanged
                        bar.console.print(plain(f"imported {file}: " + "; ".join(summary.lines())))
                        warnings += [f"{file}: {warning}" for warning in summary.warnings]
                        bar.advance(task)
                        continue
                    unknown = _unknown_coders(project, file) if file in in_folders and not add_coders else []
                    if unknown:
                        skipped.append(file)
                        skipped_coders.update(unknown)
                        bar.advance(task)
                        continue
                    result = project.import_codings(file, add_coders=add_coders)
                    coded["added"] += result.added
                    coded["unchanged"] += result.unchanged
                    extra = f"; added coders {', '.join(result.coders_added)}" if result.coders_added else ""
                    bar.console.print(
                        plain(f"imported {file}: {result.added} codings ({result.unchanged} already there){extra}")
                    )
                except Exception as exc:
                    failures.append(_failure(file, exc))
                bar.advance(task)
    parts = []
    others = [f for f in refi if peer_kind(f)]
    refi = [f for f in refi if f not in others]
    if refi:
        parts.append(
            f"{len(refi) - sum(1 for f in failures if f.startswith(tuple(map(str, refi))))} REFI-QDA files imported"
        )
    if others:
        parts.append(
            f"{len(others) - sum(1 for f in failures if f.startswith(tuple(map(str, others))))} "
            "projects from QualCoder or Taguette imported"
        )
    if transcripts:
        parts.append(f"{counts['imported']} transcripts imported, {counts['unchanged']} unchanged")
    if len(codings) > len(skipped):
        parts.append(f"{coded['added']} codings added, {coded['unchanged']} already there")
    if failures:
        parts.append(f"{len(failures)} files failed")
    click.echo("; ".join(parts))
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if skipped:
        names = " ".join(sorted(skipped_coders))
        click.echo(
            f"note: skipped {len(skipped)} codings file{'s' if len(skipped) != 1 else ''} by coders not in the "
            f"project ({', '.join(sorted(skipped_coders))}): `qualcode coders add {names}` and import again, "
            "or import with --add-coders",
            err=True,
        )
    if failures:
        for failure in failures:
            click.echo(f"error: {failure}", err=True)
        raise SystemExit(1)


# ---------------------------------------------------------------------- transcripts


@click.group(cls=click.Group)
def transcripts() -> None:
    """List, show, replace, rename and remove transcripts."""


@transcripts.command(name="list")
@click.option("--coder", help="Show how much of each transcript this coder has coded.")
@format_option()
@click.option("--json", "as_json", is_flag=True, hidden=True, help="Same as --format json.")
@db_option
def transcripts_list(coder: str | None, fmt: str, as_json: bool, db: str | None) -> None:
    """List the project's transcripts with their participants and attributes."""
    with open_project(db) as project:
        rows = project.list_transcripts(coder)
    if as_json or fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "name": t.name,
                        "participant": t.participant,
                        "attributes": t.attributes,
                        "segments": t.n_segments,
                        "characters": t.n_chars,
                        "format": t.format,
                        "flags": t.flags,
                        "segments_to_code": t.n_to_code,
                        "coded_segments": t.coded_segments if coder else None,
                    }
                    for t in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        click.echo("no transcripts yet: qualcode import FILES…")
        return
    columns = [Column("transcript"), Column("participant"), Column("attributes"), Column("segments", numeric=True)]
    columns += [Column("characters", numeric=True), Column("format")]
    if coder:
        columns.append(Column("coded", numeric=True))
    table = []
    for t in rows:
        attrs = ", ".join(f"{k}={v}" for k, v in t.attributes.items())
        cells = [
            t.name,
            t.participant,
            attrs,
            t.n_segments,
            t.n_chars,
            " ".join([t.format, *(f"({f})" for f in t.flags)]),
        ]
        if coder:
            cells.append(f"{t.coded_segments}/{t.n_to_code}")  # of the turns to code: not the interviewer's
        table.append(cells)
    print_table(console(), columns, table)


@transcripts.command(name="show")
@click.argument("name")
@coders_option("Show these coders' codes beside each segment.")
@old_coder_option
@db_option
def transcripts_show(name: str, coders: list[str], old_coders: list[str], db: str | None) -> None:
    """Print a transcript segment by segment, with offsets and (optionally) codes."""
    coders = coders + old_coders
    with open_project(db) as project:
        info = project.transcript(name)
        for coder in coders:
            project.coder(coder)
        segments = project.segments(info.id)
        codings = project.list_codings(info.id, coders=coders) if coders else []
    by_segment: dict[int, list[str]] = {}
    bounds = [(g.start, g.end) for g in segments]
    for c in codings:  # beside every turn a coding covers: one may run over several
        for i in touched(bounds, c.start, c.end) or [-1]:
            sid = segments[i].id if i >= 0 else c.segment_id
            by_segment.setdefault(sid, []).append(f"{c.coder}:{c.code_key}")
    out = console()
    overlaps = set(info.overlaps)
    attrs = ", ".join(f"{k}={v}" for k, v in info.attributes.items())
    out.print(
        plain(f"{info.name} — {info.participant or 'no participant'}" + (f" ({attrs})" if attrs else "")), style="bold"
    )
    for seg in segments:
        head = f"{segment_ref(seg.position)} {seg.start}-{seg.end}"
        if seg.time_start is not None:
            head += f" @{seg.time_start:.1f}s"
        if seg.speaker:
            head += f" {seg.speaker}"
        if seg.position in overlaps:
            head += " (overlapping speech)"
        out.print(plain(head), style="cyan")
        out.print(plain(seg.text))
        if seg.id in by_segment:
            out.print(plain("  codes: " + ", ".join(sorted(by_segment[seg.id]))), style="green")
        out.print()


# ---------------------------------------------------------------------- codebook


@click.group()
def codebook() -> None:
    """Show, validate and update the project's codebook (`qualcode export codebook` writes it out)."""


def _tree(doc_codes, counts: dict[str, int] | None, show_ids: bool):
    from rich.tree import Tree

    root = Tree(plain("codebook"), guide_style="dim")

    def add(node, code) -> None:
        label = plain(code.name)
        if show_ids:
            label.append(f"  {code.id}", style="dim")
        if counts is not None:
            label.append(f"  ({counts.get(code.id, 0)})", style="cyan")
        branch = node.add(label)
        for child in code.children:
            add(branch, child)

    for code in doc_codes:
        add(root, code)
    return root


@codebook.command(name="show")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--ids/--no-ids", default=True, help="Show each code's stable id.")
@click.option("--counts", is_flag=True, help="Show how many codings each code has.")
@click.option("--definitions", is_flag=True, help="Print every code's full definition.")
@db_option
def codebook_show(file: str | None, ids: bool, counts: bool, definitions: bool, db: str | None) -> None:
    """Print the codebook as a tree (the project's, or a YAML FILE's)."""
    from qualcode.codebook import load_codebook

    code_counts = None
    if file:
        doc = load_codebook(file)
    else:
        with open_project(db) as project:
            doc = project.codebook_doc()
            code_counts = project.code_counts() if counts else None
    out = console()
    out.print(plain(doc.name), style="bold")
    if definitions:
        for code, _, depth in doc.walk():
            out.print(plain(("  " * depth) + f"{code.name}  [{code.id}]"), style="bold")
            for field in ("description", "include", "exclude", "example"):
                value = getattr(code, field)
                if value:
                    out.print(plain(("  " * depth) + f"  {field}: {value}"))
            if code.keywords:
                out.print(plain(("  " * depth) + "  keywords: " + ", ".join(code.keywords)))
        return
    out.print(_tree(doc.codes, code_counts, ids))


@codebook.command(name="validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def codebook_validate(files: tuple[str, ...]) -> None:
    """Check codebook YAML files; report every problem with file and line."""
    from qualcode.codebook import load_codebook

    failed = False
    for file in files:
        try:
            doc = load_codebook(file)
        except CodebookError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            continue
        click.echo(f"{file}: ok, {len(doc.by_id())} codes")
    if failed:
        raise SystemExit(1)


@codebook.command(name="export", hidden=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: standard output).")
@db_option
@click.pass_context
def codebook_export(ctx: click.Context, output: str | None, db: str | None) -> None:
    """The codebook as YAML: kept for scripts written before `qualcode export codebook`, which it runs."""
    from qualcode.cli.export import codebook_doc

    ctx.invoke(codebook_doc, fmt=None, coders=(), agreed=False, no_counts=False, output=output, db=db)


def _merges(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.BadParameter(f"{value!r} is not OLD_ID=NEW_ID", param_hint="--merge")
        out[old.strip()] = new.strip()
    return out


@codebook.command(name="update")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--merge",
    "merges",
    multiple=True,
    metavar="OLD=NEW",
    help="Move the codings of a removed code OLD to code NEW (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Show what would change and change nothing.")
@click.option("--coder", help="Record the change under this coder's name.")
@db_option
def codebook_update(file: str, merges: tuple[str, ...], dry_run: bool, coder: str | None, db: str | None) -> None:
    """Apply an edited codebook YAML to the project, matching codes by id.

    Renames, moves, new codes and changed definitions are applied. A code that the file drops
    but that has codings is refused unless --merge says where its codings go.
    """
    from qualcode.codebook import load_codebook

    doc = load_codebook(file)
    merge_map = _merges(merges)
    with open_project(db) as project:
        if dry_run:
            changes = project.plan_codebook_update(doc, merge_map)
        else:
            changes = project.update_codebook(doc, merge_map, coder=coder)
    if changes.empty:
        click.echo("the project's codebook already matches " + file)
        return
    for line in changes.lines():
        click.echo(("would " if dry_run else "") + line)
    if not dry_run:
        click.echo(f"updated the codebook from {file}")


# ---------------------------------------------------------------------- coders


@click.group()
def coders() -> None:
    """Add, list, rename, remove and merge the people who code."""


@coders.command(name="add")
@click.argument("names", nargs=-1, required=True)
@db_option
def coders_add(names: tuple[str, ...], db: str | None) -> None:
    """Add one or more coders."""
    with open_project(db) as project:
        for name in names:
            project.add_coder(name)
            click.echo(f"added coder {name}")


@coders.command(name="list")
@format_option()
@db_option
def coders_list(fmt: str, db: str | None) -> None:
    """List coders with their number of codings."""
    with open_project(db) as project:
        summary = project.summary()
    counts = [(name, summary.codings_by_coder.get(name, 0)) for name in summary.coders]
    if fmt == "json":
        click.echo(json.dumps([{"name": n, "codings": c} for n, c in counts], indent=2, ensure_ascii=False))
        return
    if not counts:
        click.echo("no coders yet: qualcode coders add NAME")
        return
    print_table(console(), [Column("coder"), Column("codings", numeric=True)], [list(row) for row in counts])


@coders.command(name="rename")
@click.argument("old")
@click.argument("new")
@db_option
def coders_rename(old: str, new: str, db: str | None) -> None:
    """Call coder OLD by the name NEW: their codings, memos and history go with them.

    `qualcode undo --coder NEW` renames them back.
    """
    with open_project(db) as project:
        info = project.rename_coder(old, new)
    click.echo(plain(f"renamed coder {old} to {info.name} (`qualcode undo --coder {info.name}` reverses it)"))


@coders.command(name="remove")
@click.argument("name")
@click.option("--merge-into", metavar="OTHER", help="Give NAME's codings, memos and history to OTHER first.")
@db_option
def coders_remove(name: str, merge_into: str | None, db: str | None) -> None:
    """Remove coder NAME (refused while they have codings or memos, unless --merge-into).

    The name leaves every list and is refused as --coder; `qualcode undo --coder NAME` (or
    OTHER, after a merge) reverses it, and `qualcode coders add NAME` brings the coder back.
    """
    with open_project(db) as project:
        merged = project.remove_coder(name, merge_into)
    if merged is None:
        click.echo(plain(f"removed coder {name} (`qualcode undo --coder {name}` reverses it)"))
    else:
        _said_merge(merged)


@coders.command(name="merge")
@click.argument("source")
@click.argument("target")
@db_option
def coders_merge(source: str, target: str, db: str | None) -> None:
    """Give everything of coder SOURCE to coder TARGET, and remove SOURCE.

    Codings, memos, suggestion decisions, matrix summaries and undo history become TARGET's.
    Where both coded the same passage with the same code, TARGET's coding is kept (memos on
    SOURCE's move to it); where both wrote a memo on one place, SOURCE's text is added below
    TARGET's. `qualcode undo --coder TARGET` reverses the merge.
    """
    with open_project(db) as project:
        merged = project.merge_coders(source, target)
    _said_merge(merged)


def _said_merge(m) -> None:
    parts = [f"{m.codings_moved} codings moved"]
    if m.codings_dropped:
        parts.append(f"{m.codings_dropped} the same as {m.target}'s, kept once")
    parts.append(f"{m.memos_moved} memos moved")
    if m.memos_joined:
        parts.append(f"{m.memos_joined} added below {m.target}'s memo on the same place")
    click.echo(plain(f"merged coder {m.source} into {m.target}: {'; '.join(parts)}"))
    click.echo(plain(f"`qualcode undo --coder {m.target}` reverses it"))


# ---------------------------------------------------------------------- check


@click.command()
@db_option
def check(db: str | None) -> None:
    """Check the project's integrity (database and qualcode's own invariants)."""
    with open_project(db) as project:
        problems = project.check()
        summary = None if problems else project.summary()
    if problems or summary is None:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        raise SystemExit(1)
    click.echo(
        f"{summary.location}: ok ({summary.n_transcripts} transcripts, {summary.n_segments} segments, "
        f"{sum(summary.codings_by_coder.values())} codings, {summary.n_codes} codes)"
    )


# ---------------------------------------------------------------------- status


@click.command()
@format_option()
@db_option
def status(fmt: str, db: str | None) -> None:
    """What the project holds: codebook, transcripts, segments, words, coders and their codings."""
    from qualcode.project import Project

    summary = Project.summary_at(db)  # a current SQLite project is read without loading the store
    if fmt == "json":
        record = {
            "project": summary.location,
            "codebook": summary.codebook,
            "codebook_version": summary.codebook_version,
            "codes": summary.n_codes,
            "transcripts": summary.n_transcripts,
            "participants": summary.n_participants,
            "segments": summary.n_segments,
            "words": summary.n_words,
            "memos": summary.n_memos,
            "coders": [{"name": c, "codings": summary.codings_by_coder.get(c, 0)} for c in summary.coders],
        }
        click.echo(json.dumps(record, indent=2, ensure_ascii=False))
        return
    print_summary(summary)


# ---------------------------------------------------------------------- demo


def print_summary(summary) -> None:
    # Short plain lines: written as they are (project text made safe), without loading Rich.
    lines = [
        f"project   {summary.location}",
        f"codebook  {summary.codebook} (version {summary.codebook_version}, {summary.n_codes} codes)",
        f"data      {summary.n_transcripts} transcripts, {summary.n_participants} participants, "
        f"{summary.n_segments} segments, {summary.n_words:,} words",
        *(f"coder     {coder}: {summary.codings_by_coder.get(coder, 0)} codings" for coder in summary.coders),
        f"memos     {summary.n_memos}",
    ]
    for line in lines:
        click.echo(safe_text(line))


@click.command()
@click.option(
    "--study", type=click.Choice(["rln", "pess"]), default="rln", show_default=True, help="Which shipped study to open."
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default="qualcode-demo",
    show_default=True,
    help="Where to build the demo projects.",
)
@click.option("--fresh", is_flag=True, help="Rebuild the demo project, discarding work done in it.")
@click.option("--coder", default="alice", show_default=True, help="Open the workbench as this coder.")
@click.option("--no-open", is_flag=True, help="Build and summarise the project without opening the workbench.")
def demo(study: str, directory: str, fresh: bool, coder: str, no_open: bool) -> None:
    """Build a project from the shipped codebook and sample interviews, and open it.

    The demo project is kept in --dir: run `qualcode demo` again to return to it, or open it
    with `qualcode code --db qualcode-demo/rln.db --coder alice`.
    """
    from qualcode.samples import build_demo

    with working("building the demo project…"):
        built = build_demo(Path(directory), study, fresh=fresh)
    with open_project(str(built.path)) as project:
        summary = project.summary()
    click.echo(("built" if built.created else "reusing") + f" the {study.upper()} demo project")
    print_summary(summary)
    if no_open or not stdout_is_terminal():
        click.echo(f"\nnext: qualcode transcripts list --db {built.path}")
        click.echo(f"      qualcode codebook show --db {built.path}")
        click.echo(f"      qualcode matrix list --db {built.path}")
        return
    from qualcode.cli.workbench import open_workbench

    open_workbench(str(built.path), coder)


# ---------------------------------------------------------------------- completion


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script.

    \b
    bash:  eval "$(qualcode completion bash)"     (add it to ~/.bashrc)
    zsh:   eval "$(qualcode completion zsh)"      (add it to ~/.zshrc)
    fish:  qualcode completion fish > ~/.config/fish/completions/qualcode.fish
    """
    from click.shell_completion import get_completion_class

    from qualcode.cli import cli

    cls = get_completion_class(shell)
    if cls is None:  # click.Choice admits only shells click supports
        raise QualcodeError(f"no completion script for {shell}")
    click.echo(cls(cli, {}, "qualcode", "_QUALCODE_COMPLETE").source())


COMMANDS = [init, import_, transcripts, codebook, coders, check, status, demo, completion]

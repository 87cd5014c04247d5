"""Every report qualcode writes, and for each the formats it comes in: suffixes, writer, reader.

One table for the command line and the tests: ``--format``'s choices and help, the format an
``-o`` file's extension names (``qualcode.cli.common.output_format`` refuses one that contradicts
``--format``), which writer makes it, and an independent reader that accepts what was written.

Writers are named ``"module:function"`` and imported when used, so that reading this table (as
every command's options do when the CLI starts) loads no renderer, no openpyxl and no python-docx.
A text format's writer returns the text (the CLI prints it or writes it to ``-o``); a file
format's writer (``xlsx``, ``docx``) takes the report and the path and writes the file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import import_module
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Format:
    name: str
    suffixes: tuple[str, ...]  # the first is the one written by default
    label: str
    file_only: bool = False  # never written to standard output
    reader: str = ""  # "module:function" that reads a file of this format back, raising if it is not one

    def read(self, path: str | Path) -> object:
        """What an independent reader makes of ``path``; raises when the file is not of this format."""
        return _resolve(self.reader)(Path(path))


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("csv", (".csv",), "CSV", reader="qualcode.export.formats:read_csv"),
        Format("md", (".md", ".markdown"), "Markdown", reader="qualcode.export.formats:read_text"),
        Format("json", (".json",), "JSON", reader="qualcode.export.formats:read_json"),
        Format("xlsx", (".xlsx",), "Excel", file_only=True, reader="qualcode.export.formats:read_xlsx"),
        Format("html", (".html", ".htm"), "HTML", reader="qualcode.export.formats:read_html"),
        Format("docx", (".docx",), "Word", file_only=True, reader="qualcode.export.formats:read_docx"),
        Format("yaml", (".yaml", ".yml"), "YAML", reader="qualcode.export.formats:read_yaml"),
        Format("qdc", (".qdc",), "REFI-QDA codebook", reader="qualcode.export.formats:read_qdc"),
    )
}


@dataclass(frozen=True)
class ReportKind:
    """One kind of report: its formats in the order ``--format`` lists them, and their writers."""

    name: str
    writers: Mapping[str, str]  # format -> "module:function" (or "function" in ``module``)
    default: str
    module: str = ""
    terminal: str | None = None  # a format only the terminal shows (a table), never a file
    help: str = ""

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(self.writers)

    def choices(self) -> list[str]:
        """``--format``'s choices."""
        return ([self.terminal] if self.terminal else []) + list(self.writers)

    def suffixes(self) -> dict[str, str]:
        """Every file extension that names one of the formats: ``{".md": "md", ".markdown": "md", …}``."""
        return {suffix: name for name in self.writers for suffix in FORMATS[name].suffixes}

    def file_only(self, fmt: str) -> bool:
        """A format never written to standard output (the terminal's table is not a file format)."""
        return fmt != self.terminal and FORMATS[fmt].file_only

    def format_help(self) -> str:
        if self.help:
            return self.help
        default = "a table" if self.default == self.terminal else self.default
        return f"Output format (default: from the -o extension, else {default})."

    def writer(self, fmt: str) -> Callable[..., Any]:
        """The function that writes ``fmt``: it returns the text, or (a file format) takes the path."""
        if fmt not in self.writers:
            raise ValueError(f"{self.name} reports are not written as {fmt}")
        target = self.writers[fmt]
        return _resolve(target if ":" in target else f"{self.module}:{target}")


def _resolve(target: str) -> Callable[..., Any]:
    module, _, function = target.partition(":")
    return getattr(import_module(module), function)  # type: ignore[no-any-return]


THEMES = ReportKind(
    "themes",
    {
        "csv": "render_csv",
        "md": "render_markdown",
        "json": "render_json",
        "xlsx": "write_xlsx",
        "html": "render_html",
        "docx": "write_docx",
    },
    default="md",
    module="qualcode.export.render",
)
CODEBOOK = ReportKind(
    "codebook",
    {
        "yaml": "qualcode.codebook:dump_codebook",
        "md": "codebook_markdown",
        "docx": "write_codebook_docx",
        "qdc": "qualcode.export.refi:codebook_qdc",
    },
    default="yaml",
    module="qualcode.export.codebook_docs",
    help="yaml (what `init` reads), md or docx (an appendix for a paper) or qdc (REFI-QDA). Default: from -o, else yaml.",
)
PASSAGES = ReportKind(
    "retrieve",
    {"md": "render_markdown", "csv": "render_csv", "json": "render_json", "html": "render_html", "docx": "write_docx"},
    default="md",
    module="qualcode.export.passages",
)
COOCCURRENCE = ReportKind(
    "cooccur",
    {"csv": "render_csv", "md": "render_markdown", "json": "render_json", "xlsx": "write_xlsx", "html": "render_html"},
    default="md",
    module="qualcode.export.cooccur",
)
COMPARISON = ReportKind(
    "compare",
    {"csv": "render_csv", "md": "render_markdown", "json": "render_json", "html": "render_html", "xlsx": "write_xlsx"},
    default="md",
    module="qualcode.export.groups",
)
MATRIX = ReportKind(
    "matrix",
    {"md": "render_markdown", "csv": "render_csv", "xlsx": "write_xlsx", "html": "render_html", "docx": "write_docx"},
    default="md",
    module="qualcode.export.framework",
)
MEMOS = ReportKind(
    "memos",
    {"md": "as_markdown", "json": "as_json", "csv": "as_csv", "docx": "write_docx"},
    default="table",
    module="qualcode.export.memos",
    terminal="table",
)
AGREEMENT = ReportKind(
    "agreement",
    {"csv": "render_csv", "json": "render_json", "md": "render_markdown"},
    default="table",
    module="qualcode.agreement.report",
    terminal="table",
)
REPORTS: tuple[ReportKind, ...] = (THEMES, CODEBOOK, PASSAGES, COOCCURRENCE, COMPARISON, MATRIX, MEMOS, AGREEMENT)


# ---------------------------------------------------------------------- readers


def read_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise ValueError(f"{path} is empty")
    return text


def read_csv(path: Path) -> list[list[str]]:
    """One table whose rows all have the header's width; leading ``# `` lines (a report's header notes) are skipped."""
    lines = read_text(path).splitlines(keepends=True)
    while lines and lines[0].startswith("# "):
        lines.pop(0)
    rows = list(csv.reader(io.StringIO("".join(lines), newline=""), strict=True))
    if not rows or len({len(r) for r in rows}) != 1:
        raise ValueError(f"{path}: not one table of equal rows")
    return rows


def read_json(path: Path) -> object:
    return json.loads(read_text(path))


class _Tags(HTMLParser):
    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise ValueError(f"</{tag}> closes <{self.open[-1] if self.open else 'nothing'}>")
        self.open.pop()


def read_html(path: Path) -> set[str]:
    """The tags of a whole HTML page whose elements all close in order."""
    parser = _Tags()
    parser.feed(read_text(path))
    parser.close()
    if parser.open or not {"html", "head", "body"} <= parser.seen:
        raise ValueError(f"{path}: not a whole HTML page")
    return parser.seen


def read_xlsx(path: Path) -> object:
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True)


def read_docx(path: Path) -> object:
    import docx

    return docx.Document(str(path))


def read_yaml(path: Path) -> object:
    from qualcode.codebook import load_codebook

    return load_codebook(path)


def read_qdc(path: Path) -> object:
    from qualcode.ingest.refi_read import read_refi

    return read_refi(path)

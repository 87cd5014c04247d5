"""Word (.docx) and OpenDocument (.odt) transcripts, read paragraph by paragraph.

A paragraph keeps its line breaks (``\\n``) and, when it opens with bold words, those words:
a transcript that gives each turn's speaker in bold, or on a line of its own, is read by that
convention; Otter.ai and Teams documents by theirs (``otter.py``, ``teams.py``).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from qualcode.errors import InputError
from qualcode.ingest.formats import (
    CONVENTIONS,
    Reading,
    Source,
    Turn,
    check_not_mixed,
    convention_counts,
    is_speaker_name,
    line_turns,
    reader,
)

MAX_UNPACKED = 200 * 1024 * 1024
ODT_MIME = b"application/vnd.oasis.opendocument.text"


@dataclass
class Para:
    text: str
    bold: str = ""  # the bold words the paragraph opens with, if any


def _zip(data: bytes, where: str, member: str, what: str) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(where, f"not a readable {what}") from None
    if member not in zf.namelist():
        raise InputError(where, f"not a {what}")
    if sum(info.file_size for info in zf.infolist()) > MAX_UNPACKED:
        raise InputError(where, f"the {what} expands to more than 200 MB; refusing it")
    return zf


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_paragraphs(source: Source) -> list[Para]:
    """The document's body paragraphs, cached on the source.

    Read from ``word/document.xml`` directly (through defusedxml), with python-docx's rules for
    a paragraph's text — runs and hyperlinks' runs; a tab is ``\t``, a line break ``\n`` — at a
    fraction of its cost: Word files are the slowest transcripts to read.
    """
    cached = getattr(source, "_paragraphs", None)
    if cached is not None:
        return list(cached)
    from defusedxml import ElementTree

    with _zip(source.data, source.where, "word/document.xml", "Word .docx document") as zf:
        try:
            root = ElementTree.fromstring(zf.read("word/document.xml"))
        except Exception:
            raise InputError(source.where, "not a readable Word .docx document") from None
    body = root.find(_W + "body")
    paras: list[Para] = []
    for p in body if body is not None else ():
        if p.tag != _W + "p":
            continue  # tables and section properties are not a transcript's paragraphs
        runs: list[tuple[str, bool]] = []
        for child in p:
            if child.tag == _W + "r":
                runs.append(_run(child))
            elif child.tag == _W + "hyperlink":
                runs.extend(_run(r) for r in child if r.tag == _W + "r")
        text = "".join(t for t, _ in runs).replace("\r", "").rstrip()
        bold: list[str] = []
        for run_text, is_bold in runs:
            if not run_text.strip() and bold or is_bold and run_text:
                bold.append(run_text)
            else:
                break
        paras.append(Para(text, "".join(bold).strip() if text.strip() else ""))
    source._paragraphs = paras  # type: ignore[attr-defined]
    return list(paras)


_RUN_TEXT = {"tab": "\t", "ptab": "\t", "cr": "\n", "noBreakHyphen": "-"}


def _run(run: Any) -> tuple[str, bool]:
    parts: list[str] = []
    bold = False
    for child in run:
        tag = child.tag[len(_W) :] if child.tag.startswith(_W) else ""
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "br":  # a line, page or column break: each ends a line (none glues two turns together)
            parts.append("\n")
        elif tag in _RUN_TEXT:
            parts.append(_RUN_TEXT[tag])
        elif tag == "rPr":
            b = child.find(_W + "b")
            bold = b is not None and b.get(_W + "val", "true") not in ("0", "false", "off")
    return "".join(parts), bold


_ODT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def odt_paragraphs(source: Source) -> list[Para]:
    from defusedxml import ElementTree

    with _zip(source.data, source.where, "content.xml", "OpenDocument .odt text") as zf:
        try:
            root = ElementTree.fromstring(zf.read("content.xml"))
        except Exception:
            raise InputError(
                source.where, "not a readable OpenDocument .odt text (its content.xml is damaged)"
            ) from None
    paras: list[Para] = []
    tag = f"{{{_ODT_NS}}}"
    for element in root.iter():
        if element.tag in (tag + "p", tag + "h"):
            text = (element.text or "") if len(element) == 0 else _odt_text(element, tag)
            paras.append(Para(text.rstrip()))
    return paras


def _odt_text(element: object, tag: str) -> str:
    out: list[str] = []

    def walk(node: object) -> None:
        name = getattr(node, "tag", "")
        if name == tag + "line-break":
            out.append("\n")
        elif name == tag + "tab":
            out.append("\t")
        elif name == tag + "s":
            out.append(" " * _spaces(getattr(node, "attrib", {}).get(tag + "c")))
        elif name in (tag + "note", tag + "annotation"):
            pass  # footnotes and comments are not the interview's words
        else:
            if getattr(node, "text", None):
                out.append(node.text)  # type: ignore[attr-defined]
            for child in node:  # type: ignore[attr-defined]
                walk(child)
        if getattr(node, "tail", None) and node is not element:
            out.append(node.tail)  # type: ignore[attr-defined]

    walk(element)
    return "".join(out)


def _spaces(count: str | None) -> int:
    """``<text:s text:c="N"/>``: N spaces (1 when absent or not a number; at most 1,000)."""
    try:
        return max(1, min(int(count or 1), 1000))
    except ValueError:
        return 1


# --------------------------------------------------------------------------- conventions


def document_lines(paras: list[Para]) -> list[str]:
    """A document's text as lines: each paragraph's lines, then an empty line."""
    lines: list[str] = []
    for p in paras:
        lines.extend(p.text.split("\n"))
        lines.append("")
    return lines


def bold_turns(paras: list[Para]) -> list[Turn] | None:
    """Turns of a document that names each turn's speaker in bold at the start of a paragraph
    (``**Interviewer** How did…`` or ``**Interviewer:**`` with the words in the next paragraphs)."""
    leads = [p for p in paras if p.bold and is_speaker_name(p.bold.rstrip(":").strip())]
    if len(leads) < 2 or len(leads) * 5 < sum(1 for p in paras if p.text.strip()):
        return None
    distinct = len({" ".join(p.bold.rstrip(":").split()).casefold() for p in leads})
    if distinct == len(leads) or (len(leads) >= 6 and distinct * 2 > len(leads)):
        return None  # bold words that do not recur are headings, not a conversation's speakers
    turns: list[Turn] = []
    header: list[str] = []
    for p in paras:
        name = p.bold.rstrip(":").strip() if p.bold else ""
        if name and is_speaker_name(name):
            rest = p.text.strip()[len(p.bold) :].lstrip(" :\t")
            turns.append(Turn(" ".join(name.split()), rest))
        elif turns:
            turns[-1].text = (turns[-1].text + "\n" + p.text.strip()).strip()
        elif p.text.strip():
            header.append(p.text.strip())
    if header:
        turns.insert(0, Turn(None, "\n".join(header)))
        turns[0].raw_start = "header"
    return turns


def own_line_turns(paras: list[Para]) -> list[Turn] | None:
    """Turns of a document that puts each speaker's name on a line of its own before the words."""
    texts = [p.text.strip() for p in paras if p.text.strip()]
    names = [
        i
        for i, t in enumerate(texts[:-1])
        if "\n" not in t
        and len(t.split()) <= 4
        and is_speaker_name(t)
        and ":" not in t
        and not is_speaker_name(texts[i + 1])
    ]
    if len(names) < 2:
        return None
    distinct = {texts[i].casefold() for i in names}
    if len(distinct) * 2 > len(names) or len(names) * 3 < len(texts) // 2:
        return None  # headings or short paragraphs, not a recurring set of speakers
    starts = set(names)
    turns: list[Turn] = []
    header: list[str] = []
    for i, t in enumerate(texts):
        if i in starts:
            turns.append(Turn(" ".join(t.split()), ""))
        elif turns:
            turns[-1].text = (turns[-1].text + "\n" + t).strip()
        else:
            header.append(t)
    if header:
        turns.insert(0, Turn(None, "\n".join(header)))
        turns[0].raw_start = "header"
    return turns


def _split_header(turns: list[Turn]) -> tuple[list[Turn], dict[str, object]]:
    if turns and turns[0].raw_start == "header":
        return turns[1:], {"header": turns[0].text.split("\n")}
    return turns, {}


def document_reading(
    paras: list[Para], where: str, fmt: str, kind: str, claim_plain: bool, counts: dict[str, int] | None = None
) -> Reading | None:
    """A document by the speaker convention it follows, or (``claim_plain``) its paragraphs as they are."""
    for convention, read_turns in (
        ("speaker names in bold", bold_turns),
        ("speaker names on their own line", own_line_turns),
    ):
        turns = read_turns(paras)
        if turns is not None:
            turns, meta = _split_header(turns)
            return Reading(fmt, f"{kind}, {convention}", turns, meta)
    if not claim_plain:
        return None
    lines = document_lines(paras)
    counts = convention_counts(lines) if counts is None else counts
    colon = "'Name: text' lines"
    if counts[colon] >= 2:
        check_not_mixed(where, colon, counts)
        header, turns = line_turns(lines, CONVENTIONS[colon])
        return Reading(fmt, f"{kind}, 'Name: text' turns", turns, {"header": header} if header else {})
    return Reading(
        fmt, f"{kind}, paragraphs without speakers", [Turn(None, p.text.strip()) for p in paras if p.text.strip()]
    )


@reader("docx")
def read_docx(source: Source) -> Reading | None:
    """A .docx whose speakers are in bold or on their own line; others go to the plain reader
    (``docx_text`` gives it the document's text)."""
    if source.suffix != ".docx" or not source.is_zip:
        return None
    paras = docx_paragraphs(source)
    if not any(p.text.strip() for p in paras):
        raise InputError(source.where, "the .docx document has no text")
    return document_reading(paras, source.where, "docx", "Word .docx", claim_plain=False)


def docx_text(source: Source) -> str | None:
    """A Word document's text as the plain reader takes it: its paragraphs, a blank line between."""
    if source.suffix != ".docx" or not source.is_zip:
        return None
    return "\n\n".join(p.text for p in docx_paragraphs(source) if p.text.strip())

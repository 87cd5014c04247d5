"""REFI-QDA 1.5: the writer of `.qdc` codebooks and `.qdpx` projects (the records are in ``qualcode.refi``).

The exchange standard of qualitative analysis tools (NVivo, ATLAS.ti, MAXQDA, QualCoder,
Taguette…). What qualcode writes validates against the REFI-QDA schemas (the tests check):

- codes become ``<Code>`` elements with their GUIDs; a code's definition (description, include,
  exclude, example, keywords and its qualcode id) is written into ``<Description>`` as labelled
  paragraphs, readable in any tool and read back by qualcode;
- transcripts become ``<TextSource>`` elements whose text is ``sources/<guid>.txt`` (UTF-8);
- each coded span becomes one ``<PlainTextSelection>`` (start inclusive, end exclusive, in
  Unicode code points) holding one ``<Coding>`` per coder and code, and who speaks in it as its
  ``<Description>`` ("Speaker: Headteacher"; the interviewer's turns marked "(interviewer)"):
  REFI-QDA has no speaker field, and NVivo and MAXQDA show a selection's description with it;
- coders become ``<User>`` elements; participants become ``<Case>`` elements with their
  attributes as ``<Variable>`` values and a reference to their transcripts (never the
  ``identifying`` block); memos become ``<Note>`` elements referenced from what they annotate.

Framework matrices (``add_matrices``; REFI-QDA has no matrices) are carried as:

- one ``<Set>`` per matrix, named "Framework matrix: NAME", whose ``<Description>`` holds the
  matrix's description and its layout as labelled lines ("Rows by: school", "Rows: School A; …",
  "Columns: attitudes; …"), with the column codes as ``<MemberCode>`` and the cells as ``<MemberNote>``;
- one ``<Note>`` per written cell, named "NAME: ROW × COLUMN", holding the summary, with one
  whole-note ``<Coding>`` of the column's code (the cell is *about* that theme);
- one ``<Link>`` (OneWay, named after the matrix and row) from each cell's note to each ``<Case>``
  the row stands for: the participant, or every participant with the row's attribute value.

Codes get no ``<NoteRef>`` to cell notes, so that a tool that reads notes on codes as memos does
not pile a whole column of summaries onto one code. GUIDs are name-based, like those of coders.

GUIDs come from the project (codes, participants, transcripts, codings, memos); the few things
the project has no GUID for (coders, variables, selections) get name-based UUIDs (uuid5), so the
same project exports the same GUIDs every time, and the archive is byte-for-byte reproducible.
"""

from __future__ import annotations

import re
import zipfile
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from qualcode.files import save_atomic
from qualcode.refi import (
    CODEBOOK_NS,
    MATRIX_SET_PREFIX,
    PROJECT_NS,
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiLink,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiSource,
    RefiUser,
    RefiVariable,
    definition_text,
    stable_guid,
)
from qualcode.segments import segment_label
from qualcode.study import ExportCode, ExportData, ExportMemo, ExportSegment, ExportTranscript

if TYPE_CHECKING:
    from qualcode.analysis.matrix import FrameworkMatrix

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# ---------------------------------------------------------------------- from a project


def variable_type(values: list[str]) -> str:
    values = [v for v in values if v != ""]
    if not values:
        return "Text"
    if all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values):
        return "Date"
    if all(re.fullmatch(r"-?\d{1,18}", v) for v in values):
        return "Integer"
    if all(v in ("true", "false") for v in values):
        return "Boolean"
    return "Text"


def project_to_refi(data: ExportData, codings: bool = True, memos: bool = True) -> RefiProject:
    """The REFI-QDA view of a project (``data`` must carry the transcripts' texts)."""
    users = {name: RefiUser(stable_guid("user", name), name) for name in data.coders}
    coding_guid_code: dict[str, str] = {}
    notes: list[RefiNote] = []
    note_on: dict[tuple[str, object], list[str]] = defaultdict(list)
    code_by_key = {c.key: c for c in data.codes}
    transcripts = {t.id: t for t in data.transcripts}
    segments = {s.id: s for s in data.segments}
    if memos:
        exported = {c.guid for c in data.codings} if codings else set()
        for m in data.memos:
            if m.target == "coding" and m.target_id not in exported:
                continue  # its coding is not part of this export
            target = _memo_target_name(m, code_by_key, transcripts, segments)
            notes.append(
                RefiNote(
                    m.guid or stable_guid("memo", m.coder, m.target, m.target_id),
                    f"Memo by {m.coder} on {target}",
                    m.text,
                    users[m.coder].guid if m.coder in users else "",
                    m.created,
                )
            )
            note_on[(m.target, m.target_id)].append(notes[-1].guid)
    # the codebook
    nodes: dict[str, RefiCode] = {}
    roots: list[RefiCode] = []
    for c in data.codes:
        node = RefiCode(
            c.guid or stable_guid("code", c.key),
            c.name,
            True,
            c.color,
            definition_text(c.description, c.include, c.exclude, c.example, c.keywords, c.key),
            notes=note_on.get(("code", c.key), []),
        )
        nodes[c.key] = node
        (nodes[c.parent_key].children if c.parent_key in nodes else roots).append(node)
    # cases and variables
    keys = data.attribute_keys()
    variables = [
        RefiVariable(
            stable_guid("variable", k),
            k,
            variable_type([str(p.attributes.get(k, "")) for p in data.participants if k in p.attributes]),
        )
        for k in keys
    ]
    var_guid = {v.name: v.guid for v in variables}
    sources_of: dict[int, list[str]] = defaultdict(list)
    for t in data.transcripts:
        if t.participant_id is not None:
            sources_of[t.participant_id].append(t.guid)
    cases = [
        RefiCase(
            p.guid,
            p.label,
            values={var_guid[k]: str(v) for k, v in p.attributes.items() if k in var_guid},
            sources=sources_of.get(p.id, []),
        )
        for p in data.participants
    ]
    # sources, selections, codings
    selections: dict[int, dict[tuple[int, int], RefiSelection]] = defaultdict(dict)
    if codings:
        for coding in data.codings:
            t = transcripts[coding.transcript_id]
            sel = selections[t.id].get((coding.start, coding.end))
            if sel is None:
                sel = RefiSelection(
                    stable_guid("selection", t.guid, coding.start, coding.end),
                    coding.start,
                    coding.end,
                    user=users[coding.coder].guid,
                    created=coding.created,
                )
                selections[t.id][(coding.start, coding.end)] = sel
            elif sel.user != users[coding.coder].guid:
                sel.user = sel.user or ""
            sel.codings.append(
                RefiCoding(
                    coding.guid
                    or stable_guid("coding", t.guid, coding.coder, coding.code_key, coding.start, coding.end),
                    nodes[coding.code_key].guid,
                    users[coding.coder].guid,
                    coding.created,
                    note_on.get(("coding", coding.guid), []),
                )
            )
            coding_guid_code[coding.guid] = coding.code_key
    for (kind, target_id), guids in note_on.items():
        if kind == "segment" and target_id in segments:
            seg = segments[target_id]
            t = transcripts[seg.transcript_id]
            sel = selections[t.id].get((seg.start, seg.end))
            if sel is None:
                sel = RefiSelection(stable_guid("selection", t.guid, seg.start, seg.end), seg.start, seg.end)
                selections[t.id][(seg.start, seg.end)] = sel
            sel.notes.extend(guids)
    sources = []
    turns_of: dict[int, list[ExportSegment]] = defaultdict(list)
    for seg in data.segments:
        turns_of[seg.transcript_id].append(seg)
    for t in data.transcripts:
        sels = sorted(selections.get(t.id, {}).values(), key=lambda s: (s.start, s.end))
        turns = sorted(turns_of.get(t.id, []), key=lambda s: s.start)
        for sel in sels:
            sel.description = speaker_description(turns, sel.start, sel.end)
            if sel.codings and len({c.user for c in sel.codings}) > 1:
                sel.user = ""  # coded by several coders: each coding names its own
            elif sel.codings:
                sel.created = min(c.created for c in sel.codings)
        sources.append(
            RefiSource(
                t.guid,
                t.name,
                t.text,
                t.title,
                f"internal://{t.guid}.txt",
                selections=sels,
                notes=note_on.get(("transcript", t.id), []),
            )
        )
    return RefiProject(
        name=data.project_name,
        users=list(users.values()),
        codes=roots,
        variables=variables,
        cases=[c for c in cases if c.values or c.sources],
        sources=sources,
        notes=notes,
    )


def add_matrices(project: RefiProject, data: ExportData, matrices: Sequence[FrameworkMatrix]) -> None:
    """Carry framework matrices in ``project`` (built by ``project_to_refi`` from the same ``data``).

    Cells whose column is not a code of the project, or rows that match no exported case, are
    written without the missing link rather than failing the export.
    """
    from qualcode.analysis.matrix import row_members

    code_guid = {c.key: c.guid or stable_guid("code", c.key) for c in data.codes}
    code_name = {c.key: c.name for c in data.codes}
    case_guid = {p.id: p.guid for p in data.participants if p.guid}
    exported_cases = {c.guid for c in project.cases}
    for m in matrices:
        members = row_members(m, data)
        set_guid = stable_guid("matrix", m.name)
        layout = [
            f"Rows by: {m.rows_by}",
            "Rows: " + "; ".join(m.rows),
            "Columns: " + "; ".join(m.columns),
        ]
        description = "\n\n".join(([m.description] if m.description else []) + ["\n".join(layout)])
        member_notes = []
        for row in m.rows:
            for column in m.columns:
                text = m.summary(row, column)
                if not text:
                    continue
                guid = stable_guid("matrix-cell", m.name, row, column)
                note = RefiNote(guid, f"{m.name}: {row} × {code_name.get(column, column)}", text)
                if column in code_guid:
                    note.codings.append(
                        RefiCoding(stable_guid("matrix-cell-coding", m.name, row, column), code_guid[column])
                    )
                project.notes.append(note)
                member_notes.append(guid)
                for pid in sorted(members.get(row, ())):
                    case = case_guid.get(pid)
                    if case in exported_cases:
                        project.links.append(
                            RefiLink(
                                stable_guid("matrix-link", m.name, row, column, case), f"{m.name}: {row}", guid, case
                            )
                        )
        project.sets.append(
            RefiSet(
                set_guid,
                MATRIX_SET_PREFIX + m.name,
                description,
                codes=[code_guid[c] for c in m.columns if c in code_guid],
                notes=member_notes,
            )
        )


def _memo_target_name(
    m: ExportMemo,
    code_by_key: Mapping[str, ExportCode],
    transcripts: Mapping[int, ExportTranscript],
    segments: Mapping[int, ExportSegment],
) -> str:
    if m.target == "code" and isinstance(m.target_id, str) and m.target_id in code_by_key:
        return f"code {code_by_key[m.target_id].name}"
    if m.target == "transcript" and isinstance(m.target_id, int) and m.target_id in transcripts:
        return f"transcript {transcripts[m.target_id].name}"
    if m.target == "segment" and isinstance(m.target_id, int) and m.target_id in segments:
        seg = segments[m.target_id]
        name = transcripts[seg.transcript_id].name if seg.transcript_id in transcripts else "?"
        return f"{name}, {segment_label(seg.position)}"
    return "a coding" if m.target == "coding" else m.target


# ---------------------------------------------------------------------- XML


def _el(
    parent: ET.Element, ns: str, tag: str, attrs: Mapping[str, str | None] | None = None, text: str | None = None
) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in (attrs or {}).items() if v not in (None, "")})
    if text is not None:
        node.text = text
    return node


def _xml_text(value: str) -> str:
    """XML 1.0 cannot carry most control characters; drop them (they never belong in a transcript)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", value)


def _code_el(parent: ET.Element, ns: str, code: RefiCode, with_notes: bool) -> None:
    node = _el(
        parent,
        ns,
        "Code",
        {
            "guid": code.guid,
            "name": _xml_text(code.name),
            "isCodable": "true" if code.is_codable else "false",
            "color": code.color,
        },
    )
    if code.description:
        _el(node, ns, "Description", text=_xml_text(code.description))
    if with_notes:
        for guid in code.notes:
            _el(node, ns, "NoteRef", {"targetGUID": guid})
    for child in code.children:
        _code_el(node, ns, child, with_notes)


def speaker_description(turns: list[ExportSegment], start: int, end: int) -> str:
    """Who speaks in ``text[start:end]``, for a selection's ``<Description>``: "Speaker: Headteacher",
    "Speakers: Interviewer (interviewer), Headteacher" for a passage over several turns; "" when
    the turns carry no speaker. REFI-QDA has no speaker field; NVivo and MAXQDA show a selection's
    description beside the coded text, so a quote keeps its attribution there."""
    starts = [s.start for s in turns]
    first = max(bisect_right(starts, start) - 1, 0)
    names: dict[str, None] = {}
    for seg in turns[first:]:
        if seg.start >= end:
            break
        if seg.end > start and seg.speaker:
            names[f"{seg.speaker} (interviewer)" if seg.interviewer else seg.speaker] = None
    if not names:
        return ""
    return ("Speaker: " if len(names) == 1 else "Speakers: ") + ", ".join(names)


def _value_el(parent: ET.Element, ns: str, var: RefiVariable, value: str) -> None:
    node = _el(parent, ns, "VariableValue")
    _el(node, ns, "VariableRef", {"targetGUID": var.guid})
    tag = {
        "Boolean": "BooleanValue",
        "Integer": "IntegerValue",
        "Float": "FloatValue",
        "Date": "DateValue",
        "DateTime": "DateTimeValue",
    }.get(var.type, "TextValue")
    _el(node, ns, tag, text=_xml_text(value))


def _serialise(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    ET.indent(root, space=" ")
    # Serialising to a str and encoding once is about twice as fast as ElementTree's own UTF-8 writer.
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8")


def write_codebook_xml(project: RefiProject) -> bytes:
    """A `.qdc` codebook document (namespace ``urn:QDA-XML:codebook:1.0``)."""
    ns = CODEBOOK_NS
    root = ET.Element(f"{{{ns}}}CodeBook", {"origin": project.origin})
    codes = _el(root, ns, "Codes")
    for code in project.codes:
        _code_el(codes, ns, code, with_notes=False)
    return _serialise(root, ns)


def codebook_qdc(data: ExportData) -> str:
    """The codebook as a REFI-QDA ``.qdc`` document (codes and their definitions, no codings or memos)."""
    return write_codebook_xml(project_to_refi(data, codings=False, memos=False)).decode("utf-8")


def write_project_xml(project: RefiProject, internal: bool = True) -> bytes:
    """``project.qde``. With ``internal``, texts are referenced as ``internal://<guid>.txt`` (written by
    ``write_qdpx``); otherwise each text is carried inline in ``<PlainTextContent>``."""
    ns = PROJECT_NS
    root = ET.Element(f"{{{ns}}}Project", {"name": project.name or "project", "origin": project.origin})
    if project.users:
        users = _el(root, ns, "Users")
        for u in project.users:
            _el(users, ns, "User", {"guid": u.guid, "name": u.name, "id": u.id})
    if project.codes:
        book = _el(root, ns, "CodeBook")
        codes = _el(book, ns, "Codes")
        for code in project.codes:
            _code_el(codes, ns, code, with_notes=True)
    variables = {v.guid: v for v in project.variables}
    if project.variables:
        vs = _el(root, ns, "Variables")
        for v in project.variables:
            _el(vs, ns, "Variable", {"guid": v.guid, "name": v.name, "typeOfVariable": v.type})
    if project.cases:
        cases = _el(root, ns, "Cases")
        for case in project.cases:
            node = _el(cases, ns, "Case", {"guid": case.guid, "name": _xml_text(case.name)})
            if case.description:
                _el(node, ns, "Description", text=_xml_text(case.description))
            for guid, value in case.values.items():
                _value_el(node, ns, variables[guid], value)
            for guid in case.sources:
                _el(node, ns, "SourceRef", {"targetGUID": guid})
    if project.sources:
        sources = _el(root, ns, "Sources")
        for src in project.sources:
            attrs = {"guid": src.guid, "name": _xml_text(src.name)}
            if internal:
                attrs["plainTextPath"] = src.path or f"internal://{src.guid}.txt"
            node = _el(sources, ns, "TextSource", attrs)
            if src.description:
                _el(node, ns, "Description", text=_xml_text(src.description))
            if not internal:
                _el(node, ns, "PlainTextContent", text=_xml_text(src.text or ""))
            for sel in src.selections:
                s = _el(
                    node,
                    ns,
                    "PlainTextSelection",
                    {
                        "guid": sel.guid,
                        "name": sel.name,
                        "startPosition": str(sel.start),
                        "endPosition": str(sel.end),
                        "creatingUser": sel.user,
                        "creationDateTime": sel.created,
                    },
                )
                if sel.description:
                    _el(s, ns, "Description", text=_xml_text(sel.description))
                for c in sel.codings:
                    cn = _el(s, ns, "Coding", {"guid": c.guid, "creatingUser": c.user, "creationDateTime": c.created})
                    _el(cn, ns, "CodeRef", {"targetGUID": c.code})
                    for guid in c.notes:
                        _el(cn, ns, "NoteRef", {"targetGUID": guid})
                for guid in sel.notes:
                    _el(s, ns, "NoteRef", {"targetGUID": guid})
            for guid in src.notes:
                _el(node, ns, "NoteRef", {"targetGUID": guid})
    if project.notes:
        notes = _el(root, ns, "Notes")
        for n in project.notes:
            node = _el(
                notes,
                ns,
                "Note",
                {"guid": n.guid, "name": _xml_text(n.name), "creatingUser": n.user, "creationDateTime": n.created},
            )
            _el(node, ns, "PlainTextContent", text=_xml_text(n.text))
            for c in n.codings:
                cn = _el(node, ns, "Coding", {"guid": c.guid, "creatingUser": c.user, "creationDateTime": c.created})
                _el(cn, ns, "CodeRef", {"targetGUID": c.code})
    if project.links:
        links = _el(root, ns, "Links")
        for link in project.links:
            _el(
                links,
                ns,
                "Link",
                {
                    "guid": link.guid,
                    "name": _xml_text(link.name),
                    "direction": link.direction,
                    "originGUID": link.origin,
                    "targetGUID": link.target,
                },
            )
    if project.sets:
        sets = _el(root, ns, "Sets")
        for st in project.sets:
            node = _el(sets, ns, "Set", {"guid": st.guid, "name": _xml_text(st.name)})
            if st.description:
                _el(node, ns, "Description", text=_xml_text(st.description))
            for guid in st.codes:
                _el(node, ns, "MemberCode", {"targetGUID": guid})
            for guid in st.sources:
                _el(node, ns, "MemberSource", {"targetGUID": guid})
            for guid in st.notes:
                _el(node, ns, "MemberNote", {"targetGUID": guid})
    if project.description:
        _el(root, ns, "Description", text=_xml_text(project.description))
    return _serialise(root, ns)


def write_qdpx(project: RefiProject, path: str | Path) -> int:
    """Write a `.qdpx` archive (``project.qde`` and ``sources/<guid>.txt``) atomically; returns its size."""
    path = Path(path)
    xml = write_project_xml(project, internal=True)

    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            _add(z, "project.qde", xml)
            for src in project.sources:
                _add(z, f"sources/{src.guid}.txt", (src.text or "").encode("utf-8"))

    save_atomic(write, path)
    return path.stat().st_size


def _add(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, ZIP_DATE)  # a fixed date: the same project gives the same bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)

"""Reading REFI-QDA files written by other tools: `.qdc` codebooks, `.qde` and `.qdpx` projects.

Tolerant of what real files get wrong, strict about what could hurt:

- XML is parsed with defusedxml: no DTDs, no entities, no external references.
- A `.qdpx` is opened with ``ZipFile`` and members are read one by one with ``ZipFile.open``
  (never extracted): at most ``Limits.entries`` members, ``Limits.total_bytes`` uncompressed,
  ``Limits.ratio`` compression ratio; sizes are counted while reading, not taken from headers.
- Only ``project.qde`` (or one other ``*.qde``) and ``sources/<one plain name>`` (or ``Sources/``)
  are read. A source path in the XML is followed only as ``internal://<plain name>``;
  ``internal://../..``, ``internal:///etc/passwd`` and the like are refused, and ``relative://``
  or ``absolute://`` paths are read from disk only with ``allow_external``.
- Codes nested deeper than ``Limits.depth``, or more than ``Limits.codes`` of them, are refused;
  a source larger than ``Limits.member_bytes`` (counted as it is decompressed) is refused; text
  holding a NUL character is not imported (as for a transcript file). Two codes with one GUID are
  both kept (the second gets a GUID derived from the first) and reported. A source path without a
  scheme (``qc`` 1.2-1.3 writes ``path="board_2017.txt"``) is read as ``internal://`` when the
  archive holds that name. Codings on a source that could not be read are counted in a warning.
- Text selections are checked against
  the text's length (``0 <= start < end <= len(text)``), positions being Unicode code points
  from 0 with an exclusive end, the text decoded as UTF-8 without newline translation (a BOM is
  dropped before counting).
- Whatever does not fit the schema or qualcode (colours with alpha, empty sets, pictures, sets,
  graphs…) is reported in ``RefiProject.warnings`` — never silently dropped.
"""

from __future__ import annotations

import codecs
import io
import re
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote

from qualcode.errors import QualcodeError
from qualcode.limits import FIELD_LIMITS, MAX_CODE_DEPTH, MAX_CODES, MAX_REFI_MEMBER_BYTES, MAX_REFI_TOTAL_BYTES
from qualcode.refi import (
    GUID_PATTERN,
    MATRIX_SET_PREFIX,
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
    norm_guid,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

RGB = re.compile(r"^#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
CODE_ELEMENT = re.compile(rb"<(?:[\w.-]+:)?Code[\s/>]")  # <Code …>, not <CodeRef>, <Codes> or <CodeBook>
KNOWN_PROJECT = {
    "Users",
    "CodeBook",
    "Variables",
    "Cases",
    "Sources",
    "Notes",
    "Links",
    "Sets",
    "Graphs",
    "Description",
    "NoteRef",
}


@dataclass(frozen=True)
class Limits:
    entries: int = 20_000
    total_bytes: int = MAX_REFI_TOTAL_BYTES  # uncompressed, all members read
    member_bytes: int = MAX_REFI_MEMBER_BYTES  # one source (or note) file
    ratio: int = 200  # uncompressed / compressed, for members over 1 MB
    depth: int = MAX_CODE_DEPTH  # code nesting (qualcode's codebooks allow 12 levels)
    xml_bytes: int = 256 * 1024**2  # the project XML (.qde) or a .qdc
    codes: int = MAX_CODES


class RefiError(QualcodeError):
    """A REFI-QDA file that cannot (or must not) be read."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _children(node: Element, name: str) -> list[Element]:
    return [c for c in node if _local(c.tag) == name]


def _child(node: Element, name: str) -> Element | None:
    for c in node:
        if _local(c.tag) == name:
            return c
    return None


def _text(node: Element | None) -> str:
    return "" if node is None else (node.text or "")


# ---------------------------------------------------------------------- the archive


class _Archive:
    """Safe, bounded access to a `.qdpx`'s members."""

    def __init__(self, z: zipfile.ZipFile, where: str, limits: Limits, warnings: list[str]):
        self.z, self.where, self.limits, self.warnings = z, where, limits, warnings
        self.read_bytes = 0
        infos = z.infolist()
        if len(infos) > limits.entries:
            raise RefiError(f"{where}: the archive has {len(infos)} members, over the limit of {limits.entries}")
        self.sources: dict[str, zipfile.ZipInfo] = {}  # lower-case plain name -> member
        self.qde: list[zipfile.ZipInfo] = []
        self.used: set[str] = set()
        ignored = []
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            cap = limits.xml_bytes if name.lower().endswith(".qde") else limits.member_bytes
            if info.file_size > cap:
                raise RefiError(
                    f"{where}: member {name!r} is {info.file_size / 1e6:.0f} MB uncompressed, over the limit"
                )
            if info.file_size > 1_000_000 and info.file_size > limits.ratio * max(1, info.compress_size):
                raise RefiError(
                    f"{where}: member {name!r} expands {info.file_size // max(1, info.compress_size)}-fold; refusing a likely zip bomb"
                )
            parts = name.split("/")
            if "\\" in name or name.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\x00" in name:
                ignored.append(name)
            elif len(parts) == 1 and name.lower().endswith(".qde"):
                self.qde.append(info)
            elif len(parts) == 2 and parts[0].lower() == "sources":
                self.sources.setdefault(parts[1].lower(), info)
            else:
                ignored.append(name)
        if sum(i.file_size for i in infos) > limits.total_bytes:
            raise RefiError(f"{where}: the archive expands to more than {limits.total_bytes / 1e9:.1f} GB; refusing it")
        if ignored:
            warnings.append(
                f"ignored {len(ignored)} archive members outside sources/: " + ", ".join(repr(n) for n in ignored[:5])
            )

    def read(self, info: zipfile.ZipInfo, cap: int) -> bytes:
        out = io.BytesIO()
        with self.z.open(info) as fh:
            while True:
                chunk = fh.read(1 << 16)
                if not chunk:
                    break
                out.write(chunk)
                self.read_bytes += len(chunk)
                if out.tell() > cap or out.tell() > info.file_size:
                    raise RefiError(
                        f"{self.where}: member {info.filename!r} is larger than it claims or than the limit; refusing it"
                    )
                if self.read_bytes > self.limits.total_bytes:
                    raise RefiError(f"{self.where}: the archive expands to more than the limit; refusing it")
        self.used.add(info.filename)
        return out.getvalue()

    def project_xml(self) -> bytes:
        if not self.qde:
            raise RefiError(f"{self.where}: no project.qde inside; is this a REFI-QDA project archive?")
        chosen = next((i for i in self.qde if i.filename.lower() == "project.qde"), self.qde[0])
        if len(self.qde) > 1:
            self.warnings.append(f"several .qde files in the archive; read {chosen.filename!r}")
        return self.read(chosen, self.limits.xml_bytes)

    def unused(self) -> list[str]:
        return sorted(i.filename for i in self.sources.values() if i.filename not in self.used)


# ---------------------------------------------------------------------- entry points


def read_refi(path: str | Path, allow_external: bool = False, limits: Limits = Limits()) -> RefiProject:
    """A `.qdpx`, `.qde` or `.qdc` file as a ``RefiProject`` (its ``warnings`` say what did not fit)."""
    path = Path(path)
    where = str(path)
    if not path.exists():
        raise RefiError(f"{where}: no such file")
    if not path.is_file():  # a directory, device, pipe or socket: never opened (a FIFO would block)
        raise RefiError(f"{where}: not a regular file")
    with open(path, "rb") as fh:
        head = fh.read(4)
    warnings: list[str] = []
    if head.startswith(b"PK"):
        try:
            z = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise RefiError(f"{where}: not a readable zip archive (a .qdpx is a zip file)") from None
        with z:
            archive = _Archive(z, where, limits, warnings)
            try:
                xml = archive.project_xml()
                project = _parse(xml, where, warnings, limits, archive, path.parent, allow_external)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise RefiError(f"{where}: damaged archive ({exc})") from None
            leftover = archive.unused()
            if leftover:
                warnings.append(
                    f"{len(leftover)} files in sources/ are not used by the project: " + ", ".join(leftover[:5])
                )
        return project
    return _parse(_read_file(path, limits.xml_bytes), where, warnings, limits, None, path.parent, allow_external)


def _read_file(path: Path, max_bytes: int) -> bytes:
    from qualcode.errors import InputError
    from qualcode.ingest.sources import read_limited

    try:
        return read_limited(path, max_bytes, what="REFI-QDA file")
    except InputError as exc:
        raise RefiError(str(exc)) from None


def parse_refi_xml(
    data: bytes,
    where: str = "<xml>",
    allow_external: bool = False,
    base_dir: Path | None = None,
    limits: Limits = Limits(),
) -> RefiProject:
    """A `.qde` or `.qdc` document given as bytes."""
    return _parse(data, where, [], limits, None, base_dir, allow_external)


def _parse(
    data: bytes,
    where: str,
    warnings: list[str],
    limits: Limits,
    archive: _Archive | None,
    base_dir: Path | None,
    allow_external: bool,
) -> RefiProject:
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    # counted in the bytes before a tree is built: a million codes would take minutes and gigabytes
    if len(CODE_ELEMENT.findall(data)) > limits.codes:
        raise RefiError(f"{where}: more than {limits.codes:,} codes; refusing the file")
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise RefiError(
            f"{where}: refused: the XML declares a DTD or entities ({type(exc).__name__}); REFI-QDA files never need them"
        ) from None
    except ParseError as exc:
        raise RefiError(f"{where}: not well-formed XML ({exc})") from None
    kind = _local(root.tag)
    ns = _ns(root.tag)
    if kind == "Project":
        if ns != "urn:QDA-XML:project:1.0":
            if not ns.lower().startswith("urn:qda-xml:project"):
                raise RefiError(f"{where}: <Project> in namespace {ns or '(none)'!r} is not a REFI-QDA project")
            warnings.append(f"namespace {ns!r} read as urn:QDA-XML:project:1.0")
        reader = _Reader(where, warnings, limits, archive, base_dir, allow_external, root.get("basePath") or "")
        return reader.project(root)
    if kind == "CodeBook":
        if ns != "urn:QDA-XML:codebook:1.0":
            if not ns.lower().startswith("urn:qda-xml:codebook"):
                raise RefiError(f"{where}: <CodeBook> in namespace {ns or '(none)'!r} is not a REFI-QDA codebook")
            warnings.append(f"namespace {ns!r} read as urn:QDA-XML:codebook:1.0")
        reader = _Reader(where, warnings, limits, archive, base_dir, allow_external, "")
        return reader.codebook(root)
    raise RefiError(f"{where}: the root element is <{kind}>, not a REFI-QDA <Project> or <CodeBook>")


# ---------------------------------------------------------------------- the reader


class _Reader:
    def __init__(
        self,
        where: str,
        warnings: list[str],
        limits: Limits,
        archive: _Archive | None,
        base_dir: Path | None,
        allow_external: bool,
        base_path: str,
    ) -> None:
        self.where, self.warnings, self.limits, self.archive = where, warnings, limits, archive
        self.base_dir, self.allow_external, self.base_path = base_dir, allow_external, base_path
        self.bad_guids = 0
        self.colors: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.outside_archive: list[str] = []
        self.code_guids: dict[str, str] = {}  # guid -> name of the first code with it
        self.duplicate_guids: list[tuple[str, str]] = []  # (name, name of the code it collided with)
        self.code_count = 0
        self.schemeless = 0
        self.unread: list[tuple[str, int]] = []  # (source, codings on it) for sources not read

    # -------------------------------------------------------------- helpers

    def guid(self, node: Element, attr: str = "guid", required: bool = True) -> str:
        value = node.get(attr)
        if value is None:
            if required:
                self.skipped[f"<{_local(node.tag)}> without {attr}"] += 1
            return ""
        if not GUID_PATTERN.match(value.strip()):
            self.bad_guids += 1
        return norm_guid(value)

    def fits(self, what: str, value: str, element: str) -> str:
        """``value`` if it fits the column it will be stored in (see ``qualcode.limits``); else refuse."""
        limit = FIELD_LIMITS[what]
        if len(value) > limit:
            raise RefiError(
                f"{self.where}: {element} has a {what} of {len(value):,} characters; the limit is {limit:,}"
                f" ({value[:40]!r}…)"
            )
        return value

    def color(self, value: str | None) -> str | None:
        if not value:
            return None
        value = value.strip()
        if RGB.match(value):
            if len(value) == 4:
                value = "#" + "".join(ch * 2 for ch in value[1:])
            return value.lower()
        m = re.fullmatch(r"#([0-9a-fA-F]{6})([0-9a-fA-F]{2})", value)
        self.colors[value] += 1
        return f"#{m.group(1).lower()}" if m else None

    def finish(self, project: RefiProject) -> RefiProject:
        if self.bad_guids:
            self.warnings.append(f"{self.bad_guids} GUIDs do not match the schema's pattern; kept as written")
        if self.colors:
            self.warnings.append(
                f"{sum(self.colors.values())} colours outside the schema (#RRGGBB) were converted or dropped: "
                + ", ".join(list(self.colors)[:3])
            )
        if self.duplicate_guids:
            self.warnings.append(
                f"{len(self.duplicate_guids)} codes have the GUID of another code; each was kept under a new GUID "
                "(codings that name the GUID go to the first code): "
                + ", ".join(f"{a!r} (same as {b!r})" for a, b in self.duplicate_guids[:3])
                + (", …" if len(self.duplicate_guids) > 3 else "")
            )
        if self.schemeless:
            self.warnings.append(
                f"{self.schemeless} source paths without a scheme (as qc 1.2-1.3 writes them) were read from "
                "the archive's sources/ as internal://"
            )
        lost = [(name, n) for name, n in self.unread if n]
        if lost:
            self.warnings.append(
                f"{sum(n for _, n in lost)} codings on {len(lost)} sources whose text could not be read were not "
                "imported: " + ", ".join(f"{name!r} ({n})" for name, n in lost[:3]) + (", …" if len(lost) > 3 else "")
            )
        if self.outside_archive:
            self.warnings.append(
                f"{len(self.outside_archive)} texts are internal:// files of a .qdpx archive, which a .qde file "
                "alone does not carry; not imported (import the .qdpx instead): "
                + ", ".join(self.outside_archive[:3])
                + (", …" if len(self.outside_archive) > 3 else "")
            )
        for what, n in sorted(self.skipped.items()):
            self.warnings.append(f"{what}: {n} not imported")
        project.warnings = self.warnings
        return project

    # -------------------------------------------------------------- codes

    def codes(self, container: Element | None) -> list[RefiCode]:
        if container is None:
            return []
        out = []
        codes = _children(container, "Code")
        if not codes:
            self.warnings.append(f"empty <{_local(container.tag)}>: the schema wants at least one <Code>")
        for node in codes:
            out.append(self.code(node, 0))
        return out

    def code(self, node: Element, depth: int) -> RefiCode:
        if depth >= self.limits.depth:
            raise RefiError(
                f"{self.where}: codes are nested more than {self.limits.depth} levels deep; refusing the file"
            )
        self.code_count += 1
        if self.code_count > self.limits.codes:
            raise RefiError(f"{self.where}: more than {self.limits.codes:,} codes; refusing the file")
        name = node.get("name")
        if name is None:
            self.warnings.append("a <Code> without a name was called '(unnamed)'")
        label = self.fits("code name", (name or "(unnamed)").strip() or "(unnamed)", "a <Code>")
        codable = (node.get("isCodable") or "true").strip().lower() not in ("false", "0")
        guid = self.guid(node)
        if guid and guid in self.code_guids:
            self.duplicate_guids.append((label, self.code_guids[guid]))
            guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{guid}/{len(self.duplicate_guids)}"))
        if guid:
            self.code_guids.setdefault(guid, label)
        code = RefiCode(
            guid,
            label,
            codable,
            self.color(node.get("color")),
            _text(_child(node, "Description")).strip(),
            notes=[norm_guid(n.get("targetGUID")) for n in _children(node, "NoteRef")],
        )
        code.children = [self.code(child, depth + 1) for child in _children(node, "Code")]
        return code

    def sets(self, container: Element | None) -> list[RefiSet]:
        if container is None:
            return []
        sets = _children(container, "Set")
        if not sets:
            self.warnings.append("empty <Sets> (the schema wants at least one <Set>)")
        out = []
        for node in sets:
            out.append(
                RefiSet(
                    self.guid(node),
                    node.get("name") or "",
                    _text(_child(node, "Description")),
                    [norm_guid(m.get("targetGUID")) for m in _children(node, "MemberCode")],
                    [norm_guid(m.get("targetGUID")) for m in _children(node, "MemberSource")],
                    [norm_guid(m.get("targetGUID")) for m in _children(node, "MemberNote")],
                )
            )
        return out

    def codebook(self, root: Element) -> RefiProject:
        project = RefiProject(name="codebook", origin=root.get("origin") or "", kind="codebook")
        project.codes = self.codes(_child(root, "Codes"))
        if _child(root, "Codes") is None:
            self.warnings.append("no <Codes> in the codebook")
        project.sets = self.sets(_child(root, "Sets"))
        return self.finish(project)

    # -------------------------------------------------------------- projects

    def project(self, root: Element) -> RefiProject:
        p = RefiProject(
            name=root.get("name") or "project",
            origin=root.get("origin") or "",
            kind="project",
            creating_user=norm_guid(root.get("creatingUserGUID")),
        )
        for child in root:
            if _local(child.tag) not in KNOWN_PROJECT:
                self.skipped[f"unknown element <{_local(child.tag)}>"] += 1
        users = _child(root, "Users")
        if users is not None:
            for u in _children(users, "User"):
                p.users.append(RefiUser(self.guid(u), u.get("name") or u.get("id") or "", u.get("id") or ""))
        book = _child(root, "CodeBook")
        if book is not None:
            p.codes = self.codes(_child(book, "Codes"))
        variables = _child(root, "Variables")
        if variables is not None:
            for v in _children(variables, "Variable"):
                name = self.fits("attribute name", v.get("name") or "", "a <Variable>")
                p.variables.append(RefiVariable(self.guid(v), name, v.get("typeOfVariable") or "Text"))
        cases = _child(root, "Cases")
        if cases is not None:
            for c in _children(cases, "Case"):
                case = RefiCase(
                    self.guid(c),
                    self.fits("participant label", c.get("name") or "", "a <Case>"),
                    _text(_child(c, "Description")),
                    dict(self.value(v) for v in _children(c, "VariableValue")),
                    [norm_guid(r.get("targetGUID")) for r in _children(c, "SourceRef")],
                    [norm_guid(r.get("targetGUID")) for r in _children(c, "SelectionRef")],
                )
                if _children(c, "CodeRef"):
                    self.skipped["codes attached to cases (<Case><CodeRef>)"] += len(_children(c, "CodeRef"))
                p.cases.append(case)
        sources = _child(root, "Sources")
        if sources is not None:
            for s in sources:
                kind = _local(s.tag)
                if kind == "TextSource":
                    p.sources.append(self.source(s))
                else:
                    self.skipped[f"<{kind}> (qualcode imports text sources)"] += 1
        notes = _child(root, "Notes")
        if notes is not None:
            for n in _children(notes, "Note"):
                text = _text(_child(n, "PlainTextContent"))
                path = n.get("plainTextPath")
                if not text and path:
                    text = self.read_path(path, f"note {n.get('name') or n.get('guid')!r}") or ""
                p.notes.append(
                    RefiNote(
                        self.guid(n),
                        n.get("name") or "",
                        text,
                        norm_guid(n.get("creatingUser")),
                        n.get("creationDateTime") or "",
                        [self.coding(c) for c in _children(n, "Coding")],
                    )
                )
        links = _child(root, "Links")
        if links is not None:
            p.links = [
                RefiLink(
                    self.guid(x),
                    x.get("name") or "",
                    norm_guid(x.get("originGUID")),
                    norm_guid(x.get("targetGUID")),
                    x.get("direction") or "",
                )
                for x in _children(links, "Link")
            ]
        p.sets = self.sets(_child(root, "Sets"))
        # A framework matrix's links (cell note -> case) are read back with the matrix.
        cell_notes = {norm_guid(g) for st in p.sets if st.name.startswith(MATRIX_SET_PREFIX) for g in st.notes}
        other_links = [x for x in p.links if x.origin not in cell_notes]
        if other_links:
            self.skipped["<Links> entries (qualcode has no links)"] += len(other_links)
        graphs = _child(root, "Graphs")
        if graphs is not None and len(graphs):
            self.skipped["<Graphs> entries (qualcode has no graphs)"] += len(graphs)
        p.description = _text(_child(root, "Description"))
        p.project_notes = [norm_guid(n.get("targetGUID")) for n in _children(root, "NoteRef")]
        return self.finish(p)

    def value(self, node: Element) -> tuple[str, str]:
        ref = _child(node, "VariableRef")
        guid = norm_guid(ref.get("targetGUID")) if ref is not None else ""
        for c in node:
            if _local(c.tag) != "VariableRef":
                return guid, self.fits("attribute value", (c.text or "").strip(), "a <VariableValue>")
        return guid, ""

    def source(self, node: Element) -> RefiSource:
        name = self.fits("transcript name", node.get("name") or node.get("guid") or "source", "a <TextSource>")
        src = RefiSource(
            self.guid(node),
            name,
            None,
            _text(_child(node, "Description")).strip(),
            node.get("plainTextPath") or "",
            norm_guid(node.get("creatingUser")),
            node.get("creationDateTime") or "",
        )
        rich = node.get("richTextPath") or ""
        if self.archive is not None and rich.lower().startswith("internal://") and node.get("plainTextPath"):
            info = self.archive.sources.get(unquote(rich[len("internal://") :]).lower())
            if info is not None:
                self.archive.used.add(info.filename)  # the styled version of a text read as plain text
        inline = _child(node, "PlainTextContent")
        if inline is not None:
            src.text = inline.text or ""
        elif plain_path := node.get("plainTextPath"):
            src.text = self.read_path(plain_path, f"source {name!r}")
        elif rich_path := node.get("richTextPath"):
            src.path = rich_path
            src.text = self.read_path(rich_path, f"source {name!r}", rich=True)
        else:
            self.warnings.append(f"source {name!r} has neither text nor a path to it")
        if src.text is not None and src.text.startswith("\ufeff"):
            src.text = src.text[1:]
        if src.text is not None and "\x00" in src.text:
            self.warnings.append(f"source {name!r}: its text holds NUL characters (binary data?); not imported")
            src.text = None
        for sel in _children(node, "PlainTextSelection"):
            src.selections.append(self.selection(sel))
        for c in _children(node, "Coding"):
            src.codings.append(self.coding(c))
        if src.text is None:
            self.unread.append((name, len(src.codings) + sum(len(sel.codings) for sel in src.selections)))
        src.notes = [norm_guid(n.get("targetGUID")) for n in _children(node, "NoteRef")]
        src.values = dict(self.value(v) for v in _children(node, "VariableValue"))
        return src

    def selection(self, node: Element) -> RefiSelection:
        try:
            start, end = int(node.get("startPosition", "")), int(node.get("endPosition", ""))
        except ValueError:
            start, end = -1, -1
        return RefiSelection(
            self.guid(node),
            start,
            end,
            node.get("name") or "",
            norm_guid(node.get("creatingUser")),
            node.get("creationDateTime") or "",
            [self.coding(c) for c in _children(node, "Coding")],
            [norm_guid(n.get("targetGUID")) for n in _children(node, "NoteRef")],
        )

    def coding(self, node: Element) -> RefiCoding:
        ref = _child(node, "CodeRef")
        return RefiCoding(
            self.guid(node),
            norm_guid(ref.get("targetGUID")) if ref is not None else "",
            norm_guid(node.get("creatingUser")),
            node.get("creationDateTime") or "",
            [norm_guid(n.get("targetGUID")) for n in _children(node, "NoteRef")],
        )

    # -------------------------------------------------------------- source paths

    def read_path(self, raw: str, what: str, rich: bool = False) -> str | None:
        scheme, sep, rest = raw.partition("://")
        scheme = scheme.lower()
        if not sep and self.archive is not None:
            plain = raw.strip()
            if plain.lower().startswith("sources/"):
                plain = plain[len("sources/") :]
            if plain.lower() in self.archive.sources:
                self.schemeless += 1
                scheme, sep, rest = "internal", "://", plain
        if not sep:
            self.warnings.append(
                f"{what}: path {raw!r} has no internal://, relative:// or absolute:// scheme; not read"
            )
            return None
        if scheme == "internal":
            name = unquote(rest)
            if not name or "/" in name or "\\" in name or name in (".", "..") or "\x00" in name or ":" in name:
                self.warnings.append(f"{what}: path {raw!r} points outside the archive's sources/; refused")
                return None
            if self.archive is None:
                self.outside_archive.append(what)
                return None
            info = self.archive.sources.get(name.lower())
            if info is None:
                self.warnings.append(f"{what}: {raw} is missing from the archive")
                return None
            data = self.archive.read(info, self.limits.member_bytes)
        elif scheme in ("relative", "absolute"):
            if not self.allow_external:
                self.warnings.append(
                    f"{what}: its text is outside the archive ({raw}); not read (allow external files to read it)"
                )
                return None
            external = self.external(scheme, unquote(rest), raw, what)
            if external is None:
                return None
            data = external
        else:
            self.warnings.append(f"{what}: unknown path scheme in {raw!r}; not read")
            return None
        if rich or raw.lower().endswith(".docx"):
            return self.docx(data, what)
        return self.decode(data, what)

    def external(self, scheme: str, rest: str, raw: str, what: str) -> bytes | None:
        if scheme == "absolute":
            path = Path(rest.lstrip("/") if re.match(r"^/?[A-Za-z]:/", rest) else rest)
        else:
            base = Path(self.base_path) if self.base_path else (self.base_dir or Path("."))
            path = base / PurePosixPath(rest.lstrip("/"))
        try:
            if not path.is_file():
                self.warnings.append(f"{what}: external file {raw} not found")
                return None
            return _read_file(path, self.limits.member_bytes)
        except RefiError as exc:
            self.warnings.append(f"{what}: external file {raw} not read: {str(exc).split(': ', 1)[-1]}")
            return None
        except OSError as exc:
            self.warnings.append(f"{what}: cannot read {raw}: {exc.strerror}")
            return None

    def decode(self, data: bytes, what: str) -> str | None:
        if data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self.warnings.append(f"{what}: text is UTF-16; REFI-QDA wants UTF-8 — decoded anyway")
            return data.decode("utf-16", errors="replace")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.warnings.append(
                f"{what}: text is not valid UTF-8 (byte {exc.start}); undecodable bytes replaced with �"
            )
            return data.decode("utf-8", errors="replace")

    def docx(self, data: bytes, what: str) -> str | None:
        from qualcode.errors import InputError
        from qualcode.ingest.transcripts import _docx_text

        try:
            text = _docx_text(data, what)
        except InputError as exc:
            self.warnings.append(f"{what}: {exc.message}")
            return None
        self.warnings.append(f"{what}: no plain-text version; text taken from the .docx (selections may not line up)")
        return text


def describe_refi(path: str | Path, allow_external: bool = False) -> tuple[str, list[str]]:
    """One line saying what a REFI-QDA file holds, and the warnings about what would not fit."""
    doc = read_refi(path, allow_external=allow_external)
    codings = sum(len(sel.codings) for s in doc.sources for sel in s.selections)
    line = f"{path}: a REFI-QDA {doc.kind} from {doc.origin or 'an unnamed tool'}: {len(list(doc.all_codes()))} codes"
    if doc.kind == "project":
        line += (
            f", {len(doc.sources)} text sources ({sum(s.text is not None for s in doc.sources)} readable), "
            f"{codings} codings, {len(doc.cases)} cases, {len(doc.users)} users, {len(doc.notes)} notes"
        )
    return line, list(doc.warnings)

"""REFI-QDA 1.5 records: what a REFI-QDA project or codebook holds, as read or about to be written.

The exchange standard of qualitative analysis tools (NVivo, ATLAS.ti, MAXQDA, QualCoder,
Taguette…). ``qualcode.export.refi`` writes these records as `.qdc`/`.qdpx`;
``qualcode.ingest.refi_read`` reads them from such files, and the QualCoder and Taguette
importers build them from those tools' own databases. GUIDs compare case-insensitively, with or
without braces (``norm_guid``); a code's definition travels in ``<Description>`` as labelled
paragraphs (``definition_text``, read back by ``parse_definition``).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

REFI_SUFFIXES = (".qdpx", ".qde", ".qdc")
"""The file suffixes of REFI-QDA projects (.qdpx, .qde) and codebooks (.qdc)."""
PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
GUID_NAMESPACE = uuid.UUID("6f1c1d0e-7a43-5a8e-9d53-2b8f4c1e0a71")
ORIGIN = "qualcode"
DEFINITION_LABELS = (
    ("include", "Include"),
    ("exclude", "Exclude"),
    ("example", "Example"),
    ("keywords", "Keywords"),
    ("id", "Id"),
)
MATRIX_SET_PREFIX = "Framework matrix: "  # the name of a <Set> that carries a framework matrix
GUID_PATTERN = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")


def stable_guid(*parts: object) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(str(p) for p in parts)))


def norm_guid(value: str | None) -> str:
    """GUIDs compare case-insensitively, with or without braces."""
    return (value or "").strip().strip("{}").lower()


# ---------------------------------------------------------------------- records


@dataclass
class RefiCode:
    guid: str
    name: str
    is_codable: bool = True
    color: str | None = None
    description: str = ""
    children: list[RefiCode] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # note GUIDs

    def walk(self, depth: int = 0, parent: RefiCode | None = None) -> Iterator[tuple[RefiCode, RefiCode | None, int]]:
        yield self, parent, depth
        for child in self.children:
            yield from child.walk(depth + 1, self)


@dataclass
class RefiUser:
    guid: str
    name: str
    id: str = ""


@dataclass
class RefiVariable:
    guid: str
    name: str
    type: str = "Text"  # Text | Boolean | Integer | Float | Date | DateTime


@dataclass
class RefiCase:
    guid: str
    name: str
    description: str = ""
    values: dict[str, str] = field(default_factory=dict)  # variable GUID -> value
    sources: list[str] = field(default_factory=list)  # source GUIDs
    selections: list[str] = field(default_factory=list)


@dataclass
class RefiCoding:
    guid: str
    code: str  # code GUID
    user: str = ""  # user GUID
    created: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSelection:
    guid: str
    start: int
    end: int
    name: str = ""
    user: str = ""
    created: str = ""
    codings: list[RefiCoding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    description: str = ""  # written: who speaks in the passage ("Speaker: Headteacher")


@dataclass
class RefiSource:
    guid: str
    name: str
    text: str | None = None  # None: the text could not be read (see the warnings)
    description: str = ""
    path: str = ""  # plainTextPath (or richTextPath) as written
    user: str = ""
    created: str = ""
    selections: list[RefiSelection] = field(default_factory=list)
    codings: list[RefiCoding] = field(default_factory=list)  # codings of the whole source
    notes: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class RefiNote:
    guid: str
    name: str
    text: str
    user: str = ""
    created: str = ""
    codings: list[RefiCoding] = field(default_factory=list)  # the whole note coded with a code


@dataclass
class RefiLink:
    """A relation between two objects by GUID (REFI-QDA ``<Link>``): here, a matrix cell's note to a case."""

    guid: str
    name: str
    origin: str
    target: str
    direction: str = "OneWay"  # Associative | OneWay | Bidirectional


@dataclass
class RefiSet:
    guid: str
    name: str
    description: str = ""
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiProject:
    """A REFI-QDA project or codebook, as read or about to be written."""

    name: str = "project"
    origin: str = ORIGIN
    kind: str = "project"  # project | codebook
    users: list[RefiUser] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)
    variables: list[RefiVariable] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    links: list[RefiLink] = field(default_factory=list)
    sets: list[RefiSet] = field(default_factory=list)
    description: str = ""
    project_notes: list[str] = field(default_factory=list)
    creating_user: str = ""
    warnings: list[str] = field(default_factory=list)

    def all_codes(self) -> Iterator[tuple[RefiCode, RefiCode | None, int]]:
        for code in self.codes:
            yield from code.walk()


# ---------------------------------------------------------------------- code definitions in <Description>


def definition_text(
    description: str,
    include: str = "",
    exclude: str = "",
    example: str = "",
    keywords: tuple[str, ...] = (),
    key: str = "",
) -> str:
    """A code's definition as labelled paragraphs: readable anywhere, parsed back by ``parse_definition``."""
    parts = [description.strip()] if description.strip() else []
    values = {"include": include, "exclude": exclude, "example": example, "keywords": "; ".join(keywords), "id": key}
    for field_name, label in DEFINITION_LABELS:
        value = (values[field_name] or "").strip()
        if value:
            parts.append(f"{label}: {value}")
    return "\n\n".join(parts)


def parse_definition(text: str) -> dict[str, object]:
    """The fields of a description written by ``definition_text`` (plain descriptions pass through)."""
    labels = {label.casefold(): name for name, label in DEFINITION_LABELS}
    out: dict[str, object] = {"description": "", "include": "", "exclude": "", "example": "", "keywords": (), "id": ""}
    current = "description"
    chunks: dict[str, list[str]] = defaultdict(list)
    for paragraph in re.split(r"\r?\n[ \t]*\r?\n", (text or "").strip()):
        head, sep, rest = paragraph.partition(":")
        name = labels.get(head.strip().casefold()) if sep and "\n" not in head else None
        if name and not chunks[name]:
            current = name
            chunks[name].append(rest.strip())
        else:
            chunks[current].append(paragraph.strip())
    for name, values in chunks.items():
        joined = "\n\n".join(v for v in values if v)
        if name == "keywords":
            out[name] = tuple(k.strip() for k in re.split(r"[;\n]", joined) if k.strip())
        else:
            out[name] = joined
    return out

"""Codebooks as plain data: load and validate YAML (with file and line), save, compare.

A codebook file looks like::

    name: RLN interviews (England)
    description: ...
    source: ...
    codes:
      - id: formalisation
        name: Formalisation
        description: One-line definition.
        include: When to use it.
        exclude: When not to, and which code to use instead.
        example: "A short quote."
        keywords: [development plan, performance management]
        color: "#2ca02c"
        children:
          - id: formalisation.alignment
            name: Alignment with school improvement priorities and vision
            ...

Every code has a stable ``id`` that survives renames and moves; the project's codings point at
codes through it. Nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qualcode import safe_yaml
from qualcode.errors import CodebookError, InputError, Problem
from qualcode.limits import FIELD_LIMITS, MAX_CODE_DEPTH, MAX_CODEBOOK_BYTES, MAX_CODES

CODE_KEYS = ("id", "name", "description", "include", "exclude", "example", "keywords", "color", "children")
TEXT_FIELDS = ("description", "include", "exclude", "example")
DEFINITION_FIELDS = (*TEXT_FIELDS, "keywords", "color")
"""A code's definition beyond its id and name: ``CodeDef``, ``records.CodeInfo``,
``study.ExportCode`` and the codes table all carry these fields, read with ``definition_of``."""
CODE_FIELDS = ("name", *DEFINITION_FIELDS)
"""What an edit of a code may change."""
TOP_KEYS = ("name", "description", "source", "codes")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*(\.[a-z0-9][a-z0-9_\-]*)*$")
COLOR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_DEPTH = MAX_CODE_DEPTH


def definition_of(code: Any) -> dict[str, Any]:
    """The ``DEFINITION_FIELDS`` of a code-like object (a ``CodeDef``, a ``CodeInfo``, a codes row),
    keywords as a tuple."""
    out = {f: getattr(code, f) for f in DEFINITION_FIELDS}
    out["keywords"] = tuple(out["keywords"] or ())
    return out


def slug(name: str) -> str:
    """A code id made from a code's name ("Peer mentoring" -> "peer_mentoring")."""
    value = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")
    return value[:40].strip("_") or "code"


@dataclass(frozen=True)
class CodeDef:
    """One code and its subtree, as a researcher writes it in the YAML."""

    id: str
    name: str
    description: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    keywords: tuple[str, ...] = ()
    color: str | None = None
    children: tuple[CodeDef, ...] = ()

    def walk(self, parent: str | None = None, depth: int = 0) -> Iterator[tuple[CodeDef, str | None, int]]:
        yield self, parent, depth
        for child in self.children:
            yield from child.walk(self.id, depth + 1)


@dataclass(frozen=True)
class CodebookDoc:
    name: str
    codes: tuple[CodeDef, ...]
    description: str = ""
    source: str = ""

    def walk(self) -> Iterator[tuple[CodeDef, str | None, int]]:
        """Every code in codebook order as (code, parent id, depth)."""
        for code in self.codes:
            yield from code.walk()

    def by_id(self) -> dict[str, CodeDef]:
        return {code.id: code for code, _, _ in self.walk()}

    def placement(self) -> dict[str, tuple[str | None, int]]:
        """id -> (parent id, position among siblings)."""
        out: dict[str, tuple[str | None, int]] = {}

        def visit(codes: tuple[CodeDef, ...], parent: str | None) -> None:
            for position, code in enumerate(codes):
                out[code.id] = (parent, position)
                visit(code.children, code.id)

        visit(self.codes, None)
        return out


# --------------------------------------------------------------------------- loading


def load_codebook(path: str | Path) -> CodebookDoc:
    from qualcode.ingest.sources import read_limited

    path = Path(path)
    try:
        data = read_limited(path, MAX_CODEBOOK_BYTES, what="codebook")
    except InputError as exc:
        message = "is a directory, not a codebook file" if exc.message == "is a directory" else exc.message
        raise CodebookError([Problem(str(path), None, message)]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CodebookError([Problem(str(path), line, "not UTF-8 text; save the codebook as UTF-8")]) from None
    return parse_codebook(text, str(path))


def parse_codebook(text: str, filename: str = "<codebook>") -> CodebookDoc:
    """Parse and validate; raise CodebookError listing every problem found."""
    try:
        root = safe_yaml.compose(text)
    except safe_yaml.YamlLimitError as exc:
        raise CodebookError([Problem(filename, exc.line, f"refused: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CodebookError([Problem(filename, line, f"malformed YAML: {problem}")]) from None
    return _Validator(filename).document(root)


class _Validator:
    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []
        self.seen_ids: dict[str, int] = {}
        self._constructor = yaml.SafeLoader("")
        self.codes_seen = 0
        # which text fields have a column size (see qualcode.limits), by the label text() is given
        self.limits = {
            "code id": FIELD_LIMITS["code id"],
            "name": FIELD_LIMITS["code name"],
            "codebook name": FIELD_LIMITS["codebook name"],
        }

    def problem(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(self.filename, line, message))

    def scalar(self, node: yaml.Node) -> object:
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            self.problem(node, f"cannot read this value: {getattr(exc, 'problem', None) or exc}")
            return _UNREADABLE

    def mapping(
        self, node: yaml.MappingNode, allowed: tuple[str, ...], what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problem(key_node, f"{what}: keys must be plain words")
                continue
            if key in out:
                self.problem(key_node, f"{what}: {key!r} given twice")
                continue
            if key not in allowed:
                self.problem(key_node, f"{what}: unknown key {key!r} (allowed: {', '.join(allowed)})")
                continue
            out[key] = (key_node, value_node)
        return out

    def text(self, entry: tuple[yaml.Node, yaml.Node] | None, what: str, required: bool = False) -> str:
        if entry is None:
            return ""
        key_node, node = entry
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what} must be text, not a {_kind(node)}")
            return ""
        value = self.scalar(node)
        if value is _UNREADABLE:
            return ""
        if value is None:
            if required:
                self.problem(node, f"{what} is empty")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(node, f"{what} must be text, not {type(value).__name__} {value!r}")
            return ""
        text = str(value).strip()
        limit = self.limits.get(what.rsplit(": ", 1)[-1] if ": " in what else what)
        if limit is not None and len(text) > limit:
            self.problem(node, f"{what} is {len(text):,} characters long; the limit is {limit:,}")
            return text[:limit]
        return text

    def document(self, root: yaml.Node | None) -> CodebookDoc:
        if root is None:
            raise CodebookError([Problem(self.filename, None, "the codebook file is empty")])
        if not isinstance(root, yaml.MappingNode):
            raise CodebookError(
                [
                    Problem(
                        self.filename,
                        root.start_mark.line + 1,
                        f"a codebook is a mapping with name and codes, not a {_kind(root)}",
                    )
                ]
            )
        top = self.mapping(root, TOP_KEYS, "codebook")
        name = self.text(top.get("name"), "codebook name")
        if "name" not in top:
            self.problem(root, "codebook: missing 'name'")
        codes: tuple[CodeDef, ...] = ()
        if "codes" not in top:
            self.problem(root, "codebook: missing 'codes' (a list of codes)")
        else:
            codes = self.code_list(top["codes"][1], "codes", depth=0)
        doc = CodebookDoc(
            name=name,
            description=self.text(top.get("description"), "codebook description"),
            source=self.text(top.get("source"), "codebook source"),
            codes=codes,
        )
        if self.problems:
            raise CodebookError(sorted(self.problems, key=lambda p: p.line or 0))
        return doc

    def code_list(self, node: yaml.Node, what: str, depth: int) -> tuple[CodeDef, ...]:
        if isinstance(node, yaml.ScalarNode) and self.scalar(node) is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list of codes, not a {_kind(node)}")
            return ()
        if depth > MAX_DEPTH:
            self.problem(node, f"codes nested deeper than {MAX_DEPTH} levels")
            return ()
        result = []
        sibling_names: dict[str, int] = {}
        for item in node.value:
            code = self.code(item, depth)
            if code is None:
                continue
            folded = code.name.casefold()
            if folded in sibling_names:
                self.problem(item, f"duplicate sibling name {code.name!r} (also on line {sibling_names[folded]})")
            else:
                sibling_names[folded] = item.start_mark.line + 1
            result.append(code)
        return tuple(result)

    def code(self, node: yaml.Node, depth: int) -> CodeDef | None:
        self.codes_seen += 1
        if self.codes_seen > MAX_CODES:
            raise CodebookError([Problem(self.filename, node.start_mark.line + 1, f"more than {MAX_CODES:,} codes")])
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"a code must be a mapping with id and name, not a {_kind(node)}")
            return None
        fields = self.mapping(node, CODE_KEYS, "code")
        code_id = self.text(fields.get("id"), "code id")
        label = code_id or "code"
        if "id" not in fields:
            self.problem(node, "code: missing 'id' (a stable slug such as formalisation.alignment)")
        elif code_id and not ID_PATTERN.match(code_id):
            self.problem(fields["id"][1], f"code id {code_id!r}: use lower-case letters, digits, '_', '-' and '.'")
        if code_id:
            line = node.start_mark.line + 1
            if code_id in self.seen_ids:
                self.problem(fields["id"][1], f"duplicate code id {code_id!r} (also on line {self.seen_ids[code_id]})")
            else:
                self.seen_ids[code_id] = line
        name = self.text(fields.get("name"), f"{label}: name", required=True)
        if "name" not in fields:
            self.problem(node, f"{label}: missing 'name'")
        keywords: list[str] = []
        if "keywords" in fields:
            kw_node = fields["keywords"][1]
            if isinstance(kw_node, yaml.SequenceNode):
                for item in kw_node.value:
                    value = self.scalar(item) if isinstance(item, yaml.ScalarNode) else None
                    if isinstance(value, str) and value.strip():
                        keywords.append(value.strip())
                    else:
                        self.problem(item, f"{label}: each keyword must be a word or phrase")
            elif not (isinstance(kw_node, yaml.ScalarNode) and self.scalar(kw_node) is None):
                self.problem(kw_node, f"{label}: keywords must be a list, not a {_kind(kw_node)}")
        color = self.text(fields.get("color"), f"{label}: color") or None
        if color and not COLOR_PATTERN.match(color):
            self.problem(fields["color"][1], f"{label}: color {color!r} must look like #1f77b4")
            color = None
        children = (
            self.code_list(fields["children"][1], f"{label}: children", depth + 1) if "children" in fields else ()
        )
        return CodeDef(
            id=code_id,
            name=name,
            keywords=tuple(keywords),
            color=color,
            children=children,
            **{f: self.text(fields.get(f), f"{label}: {f}") for f in TEXT_FIELDS},
        )


_UNREADABLE = object()


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "single value"


# --------------------------------------------------------------------------- saving


def codebook_to_dict(doc: CodebookDoc) -> dict[str, Any]:
    def code(c: CodeDef) -> dict[str, Any]:
        out: dict[str, Any] = {"id": c.id, "name": c.name}
        for f in TEXT_FIELDS:
            if getattr(c, f):
                out[f] = getattr(c, f)
        if c.keywords:
            out["keywords"] = list(c.keywords)
        if c.color:
            out["color"] = c.color
        if c.children:
            out["children"] = [code(ch) for ch in c.children]
        return out

    out: dict[str, Any] = {"name": doc.name}
    if doc.description:
        out["description"] = doc.description
    if doc.source:
        out["source"] = doc.source
    out["codes"] = [code(c) for c in doc.codes]
    return out


def dump_codebook(doc: CodebookDoc) -> str:
    return yaml.safe_dump(codebook_to_dict(doc), sort_keys=False, allow_unicode=True, width=100)


def save_codebook(doc: CodebookDoc, path: str | Path) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dump_codebook(doc), encoding="utf-8")
    tmp.replace(path)


# --------------------------------------------------------------------------- comparing


@dataclass
class CodebookChanges:
    """What applying a new version of a codebook (by id) would do."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # id, old, new
    moved: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # id, old parent, new parent
    reordered: list[str] = field(default_factory=list)
    redefined: list[tuple[str, list[str]]] = field(default_factory=list)  # id, fields changed
    header_changed: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.renamed
            or self.moved
            or self.reordered
            or self.redefined
            or self.header_changed
        )

    def lines(self) -> list[str]:
        out = [f"add {i}" for i in self.added]
        out += [f"rename {i}: {old!r} -> {new!r}" for i, old, new in self.renamed]
        out += [f"move {i}: under {old or '(top level)'} -> under {new or '(top level)'}" for i, old, new in self.moved]
        out += [f"reorder {i}" for i in self.reordered]
        out += [f"redefine {i}: {', '.join(fields)}" for i, fields in self.redefined]
        out += [f"remove {i}" for i in self.removed]
        if self.header_changed:
            out.append("update the codebook's name, description or source")
        return out


def compare(old: CodebookDoc, new: CodebookDoc) -> CodebookChanges:
    changes = CodebookChanges()
    old_by, new_by = old.by_id(), new.by_id()
    old_place, new_place = old.placement(), new.placement()
    for cid in new_by:
        if cid not in old_by:
            changes.added.append(cid)
            continue
        o, n = old_by[cid], new_by[cid]
        if o.name != n.name:
            changes.renamed.append((cid, o.name, n.name))
        if old_place[cid][0] != new_place[cid][0]:
            changes.moved.append((cid, old_place[cid][0], new_place[cid][0]))
        elif old_place[cid][1] != new_place[cid][1]:
            changes.reordered.append(cid)
        fields = [f for f in DEFINITION_FIELDS if getattr(o, f) != getattr(n, f)]
        if fields:
            changes.redefined.append((cid, fields))
    changes.removed = [cid for cid in old_by if cid not in new_by]
    changes.header_changed = (old.name, old.description, old.source) != (new.name, new.description, new.source)
    return changes

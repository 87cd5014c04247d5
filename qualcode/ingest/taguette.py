"""Reading Taguette's project export (``.sqlite3``) and its codebook and highlights CSVs.

Taguette keeps each document as HTML and places a highlight by UTF-8 byte offsets into the
document's text, HTML tags not counted (its ``extract.py``). Here the HTML becomes plain text —
the same text nodes in the same order, with a line break where a paragraph or a ``<br>`` ends
without one — and each highlight's byte offsets become character offsets into that text. Every
highlight is checked against the snippet Taguette stored with it; one whose words are not there
is looked for nearby, and one that cannot be found is counted, never placed on other words.

- tags → codes (Taguette's tags are flat; a name such as ``people.parents`` stays one code), the
  tag's description → the code's definition;
- documents → transcripts, the description → the transcript's title;
- highlights → codings, one per tag, by the user who made the highlight (Taguette's command log
  says who; otherwise the project's only member);
- a highlight with no tag, and anything else Taguette keeps (other projects' members, the
  command log), is counted in the warnings.

The highlights CSV (``id,document,tag,content``) has no offsets: its rows are returned as
``TaguetteHighlight`` records that the project layer finds in transcripts already imported (see
``ExchangePart.import_taguette_highlights``). The codebook CSV becomes a REFI codebook.

A project export whose schema revision this reader does not know (a newer Taguette) is refused in
one line: its tables may mean something else.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.peers import (
    TAGUETTE_TABLES,
    Locator,
    columns,
    open_readonly,
    read_csv_rows,
    table_names,
    trimmed,
    words,
)
from qualcode.limits import FIELD_LIMITS, MAX_CODES, MAX_REFI_MEMBER_BYTES
from qualcode.refi import RefiCode, RefiCoding, RefiProject, RefiSelection, RefiSource, RefiUser, stable_guid

# Taguette's schema revisions (taguette/migrations/versions), oldest first; db5e31a0233d is
# Taguette 1.4-1.5's (November 2022).
KNOWN_REVISIONS = (
    "e4e090a5b511",
    "dd37d9027a24",
    "679f625e6e6a",
    "80b1cc9d4c22",
    "447d636f72c5",
    "bce44849c2f2",
    "91ade71ccf4d",
    "b23f3b7a638e",
    "807c0cc0ecf6",
    "ecb4065de575",
    "bc8e0e0677e9",
    "43d6c240309d",
    "d86c45d7aa8a",
    "491de2dc7cd7",
    "e4cf92942271",
    "09c662cd9483",
    "6489b5f9cfb5",
    "382db36f20f4",
    "db5e31a0233d",
)
BLOCKS = {
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
    "hr",
}
SKIPPED = {"script", "style", "head", "title"}


# ---------------------------------------------------------------------- HTML → text, with offsets


@dataclass
class DocumentText:
    """A Taguette document as plain text, and where each of Taguette's text nodes went in it."""

    text: str
    byte_starts: list[int]  # Taguette's byte offset where each text node begins
    char_starts: list[int]  # where that node begins in ``text``
    nodes: list[str]

    def offset(self, byte_offset: int) -> int:
        """Taguette's UTF-8 byte offset (tags not counted) as a character offset into ``text``."""
        if not self.nodes:
            return 0
        i = max(0, bisect.bisect_right(self.byte_starts, byte_offset) - 1)
        inside = byte_offset - self.byte_starts[i]
        node = self.nodes[i]
        data = node.encode("utf-8")
        if inside >= len(data):
            return self.char_starts[i] + len(node)
        # a position inside a character is rounded down, as Taguette's byte_to_str_index does
        return self.char_starts[i] + len(data[: max(0, inside)].decode("utf-8", errors="ignore"))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.length = 0
        self.bytes = 0
        self.byte_starts: list[int] = []
        self.char_starts: list[int] = []
        self.nodes: list[str] = []
        self.skip = 0
        self.started = False
        self.pending_break = False

    def _break(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.pending_break = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.started = True
        if tag in SKIPPED:
            self.skip += 1
        elif tag in BLOCKS:
            self._break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.started = True
        if tag in BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.started and not data.strip():
            return  # white space before the first tag is dropped by an HTML5 parser
        self.started = True
        if self.pending_break and not data.startswith("\n"):
            self.out.append("\n")
            self.length += 1
        self.pending_break = False
        self.byte_starts.append(self.bytes)
        self.char_starts.append(self.length)
        self.nodes.append(data)
        self.out.append(data)
        self.length += len(data)
        self.bytes += len(data.encode("utf-8"))


def html_text(html: str) -> DocumentText:
    """Taguette's HTML as plain text with the map from its byte offsets (see the module's doc)."""
    parser = _Text()
    parser.feed(html.replace("\r\n", "\n").replace("\r", "\n"))
    parser.close()
    return DocumentText("".join(parser.out), parser.byte_starts, parser.char_starts, parser.nodes)


def snippet_words(html: str) -> str:
    """The words of a stored snippet (HTML), white space collapsed."""
    return words(html_text(html).text)


# ---------------------------------------------------------------------- the project export


def read_taguette(path: str | Path) -> RefiProject:
    """A Taguette project export as a ``RefiProject`` (``warnings`` say what could not be carried)."""
    path = Path(path)
    where = str(path)
    with open_readonly(path) as db:
        tables = table_names(db)
        if not tables >= TAGUETTE_TABLES:
            missing = ", ".join(sorted(TAGUETTE_TABLES - tables))
            raise InputError(where, f"not a Taguette project export (no {missing} table)")
        revision = db.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = str(revision[0]) if revision else ""
        if revision not in KNOWN_REVISIONS:
            raise InputError(
                where,
                f"a Taguette export of an unknown schema version ({revision or 'none'}), probably from a newer "
                "Taguette than qualcode knows; export the project as REFI-QDA (.qdpx) from Taguette and import that",
            )
        try:
            return _read(db, where)
        except (ValueError, TypeError, OverflowError) as exc:
            raise InputError(where, f"unexpected values in the export's tables ({exc}); is the file damaged?") from None


def _read(db: sqlite3.Connection, where: str) -> RefiProject:
    warnings: list[str] = []
    lost: Counter[str] = Counter()
    projects = list(db.execute("SELECT id, name, created, description FROM projects ORDER BY id"))
    if not projects:
        raise InputError(where, "the Taguette export holds no project")
    if len(projects) > 1:
        warnings.append(f"the file holds {len(projects)} projects; all were imported together")
    key = ("taguette", str(projects[0][2]))
    described = sum(1 for p in projects if str(p[3] or "").strip())
    if described:
        lost["project descriptions (qualcode has no project memo)"] += described
    project = RefiProject(name=str(projects[0][1] or "Taguette project"), origin="Taguette")

    def guid(*parts: object) -> str:
        return stable_guid(*key, *parts)

    users: dict[str, str] = {}

    def user(login: str) -> str:
        if login not in users:
            users[login] = guid("user", login)
        return users[login]

    members = [str(r[0]) for r in db.execute("SELECT DISTINCT user_login FROM project_members")]
    default_user = members[0] if len(members) == 1 else "taguette"
    tag_rows = list(db.execute("SELECT id, path, description FROM tags ORDER BY id"))
    if len(tag_rows) > MAX_CODES:
        raise InputError(where, f"more than {MAX_CODES:,} tags; refusing the file")
    tag_guid: dict[int, str] = {}
    for tid, tpath, description in tag_rows:
        name = str(tpath or "").strip() or f"tag {tid}"
        if len(name) > FIELD_LIMITS["code name"]:
            raise InputError(where, f"a tag is named with {len(name):,} characters; the limit is 300")
        tag_guid[int(tid)] = guid("tag", tid)
        project.codes.append(RefiCode(tag_guid[int(tid)], name, True, None, str(description or "").strip()))
    # who made each highlight: the last "highlight_add" command for it
    author: dict[int, tuple[str, str]] = {}
    if "commands" in table_names(db) and {"user_login", "payload"} <= columns(db, "commands"):
        for login, date, payload in db.execute("SELECT user_login, date, payload FROM commands ORDER BY id"):
            try:
                data = json.loads(payload)
            except (TypeError, ValueError):
                continue
            if isinstance(data, dict) and data.get("type") == "highlight_add" and "highlight_id" in data:
                try:
                    author[int(data["highlight_id"])] = (str(login), str(date or ""))
                except (TypeError, ValueError):
                    continue
    tags_of: dict[int, list[int]] = defaultdict(list)
    for hid, tid in db.execute("SELECT highlight_id, tag_id FROM highlight_tags ORDER BY highlight_id, tag_id"):
        if int(tid) in tag_guid:
            tags_of[int(hid)].append(int(tid))
        else:
            lost["highlight tags naming a tag that is not in the file"] += 1
    doc_cols = columns(db, "documents")
    created = "created" if "created" in doc_cols else "NULL"
    docs: dict[int, tuple[RefiSource, DocumentText, Locator | None]] = {}
    for did, name, description, html, when in db.execute(
        f"SELECT id, name, description, contents, {created} FROM documents ORDER BY id"
    ):
        if len(str(html or "")) > MAX_REFI_MEMBER_BYTES:
            warnings.append(f"document {name!r}: over {MAX_REFI_MEMBER_BYTES // 1024**2} MB; not imported")
            continue
        converted = html_text(str(html or ""))
        if "\x00" in converted.text:
            warnings.append(f"document {name!r}: its text holds NUL characters; not imported")
            continue
        src = RefiSource(
            guid("document", did),
            str(name or f"document {did}")[: FIELD_LIMITS["transcript name"]],
            converted.text,
            str(description or "").strip(),
            user=user(default_user),
            created=str(when or "").replace(" ", "T", 1)[:19],
        )
        docs[int(did)] = (src, converted, None)
        project.sources.append(src)
    moved = 0
    for hid, did, start, end, snippet in db.execute(
        "SELECT id, document_id, start_offset, end_offset, snippet FROM highlights ORDER BY document_id, start_offset, id"
    ):
        hid = int(hid)
        tags = tags_of.get(hid, [])
        if not tags:
            lost["highlights without a tag"] += 1
            continue
        if int(did) not in docs:
            lost["highlights on documents that were not imported"] += len(tags)
            continue
        src, converted, locator = docs[int(did)]
        a, b = converted.offset(int(start)), converted.offset(int(end))
        want = snippet_words(str(snippet or ""))
        if words((src.text or "")[a:b]) == want and want:
            place: tuple[int, int] | None = trimmed(src.text or "", a, b)
        else:
            if locator is None:
                locator = Locator(src.text or "")
                docs[int(did)] = (src, converted, locator)
            place = locator.at(a, b, want) if want else None
            if place is not None:
                moved += 1
        if place is None:
            lost["highlights whose words are not in their document (neither at their offsets nor nearby)"] += 1
            continue
        login, when = author.get(hid, (default_user, ""))
        sel = RefiSelection(guid("highlight", hid), place[0], place[1])
        for tid in tags:
            sel.codings.append(
                RefiCoding(guid("highlight tag", hid, tid), tag_guid[tid], user(login), when.replace(" ", "T", 1)[:19])
            )
        src.selections.append(sel)
    if moved:
        warnings.append(
            f"{moved} highlights' offsets did not match the snippet Taguette stored with them; "
            "placed on the snippet's words, found nearby"
        )
    project.users = [RefiUser(g, name) for name, g in users.items()]
    for what, n in sorted(lost.items()):
        warnings.append(f"{what}: {n} not imported")
    project.warnings = warnings
    return project


# ---------------------------------------------------------------------- the CSV exports


def read_taguette_codebook(path: str | Path) -> RefiProject:
    """Taguette's codebook CSV (``tag,description,number of highlights,…``) as a REFI codebook."""
    path = Path(path)
    rows = read_csv_rows(path, "Taguette codebook")
    book = RefiProject(name=path.stem, origin="Taguette", kind="codebook")
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        name = (row.get("tag") or "").strip()
        if not name:
            raise InputError(f"{path}:{line}", "a row without a tag name")
        if len(name) > FIELD_LIMITS["code name"]:
            raise InputError(f"{path}:{line}", f"a tag name of {len(name):,} characters; the limit is 300")
        if name.casefold() in seen:
            raise InputError(f"{path}:{line}", f"the tag {name!r} is listed twice")
        seen.add(name.casefold())
        book.codes.append(
            RefiCode(stable_guid("taguette tag", name), name, True, None, (row.get("description") or "").strip())
        )
    if len(book.codes) > MAX_CODES:
        raise InputError(str(path), f"more than {MAX_CODES:,} tags; refusing the file")
    return book


@dataclass(frozen=True)
class TaguetteHighlight:
    """One row of Taguette's highlights CSV: a highlight's words, its document and one of its tags."""

    line: int
    id: str
    document: str
    tag: str  # "" for a highlight without a tag
    content: str


def read_taguette_highlights(path: str | Path) -> list[TaguetteHighlight]:
    """Taguette's highlights CSV (``id,document,tag,content``), checked row by row."""
    path = Path(path)
    out = []
    for line, row in enumerate(read_csv_rows(path, "Taguette highlights"), start=2):
        document = (row.get("document") or "").strip()
        if not document:
            raise InputError(f"{path}:{line}", "a row without a document")
        tag = (row.get("tag") or "").strip()
        if len(tag) > FIELD_LIMITS["code name"]:
            raise InputError(f"{path}:{line}", f"a tag name of {len(tag):,} characters; the limit is 300")
        out.append(TaguetteHighlight(line, (row.get("id") or "").strip(), document, tag, row.get("content") or ""))
    if not out:
        raise InputError(str(path), "no highlights in the file")
    return out


def document_names(document: str) -> list[str]:
    """The transcript names a Taguette document may have been imported under: its name, and its
    name without the extension (``P2_GMT20211119.odt`` → ``P2_GMT20211119``)."""
    names = [document]
    stem = Path(document).stem if "." in document else ""
    if stem and stem != document:
        names.append(stem)
    return names


def place_highlights(
    rows: list[TaguetteHighlight], transcripts: dict[str, tuple[str, str, str]], coder: str, where: str
) -> RefiProject:
    """The highlights CSV's rows found in the project's transcripts, as a REFI project.

    ``transcripts`` maps each document named in ``rows`` to the transcript it was imported as
    (GUID, name, text). Rows come in Taguette's order (document, then position), so each
    highlight is looked for from where the previous one of its document began: a phrase said
    twice is placed where Taguette had it. Rows of one highlight (one per tag) share a place.
    """
    project = RefiProject(name=Path(where).stem, origin="Taguette (highlights CSV)")
    user = stable_guid("taguette coder", coder)
    project.users = [RefiUser(user, coder)]
    codes: dict[str, str] = {}
    sources: dict[str, RefiSource] = {}
    locators: dict[str, Locator] = {}
    last_start: dict[str, int] = {}
    placed: dict[tuple[str, str], RefiSelection | None] = {}
    taken: dict[str, set[tuple[int, int]]] = defaultdict(set)
    lost: Counter[str] = Counter()
    for row in rows:
        if not row.tag:
            lost["highlights without a tag"] += 1
            continue
        guid, name, text = transcripts[row.document]
        if guid not in sources:
            sources[guid] = RefiSource(guid, name, text)
            project.sources.append(sources[guid])
            locators[guid] = Locator(text)
        key = (row.document, row.id)
        if key not in placed or not row.id:
            found = locators[guid].find(row.content, after=last_start.get(guid, 0))
            if found is None:
                found = locators[guid].find(row.content, after=0)  # out of order: the first occurrence
            # the same words highlighted twice: the second highlight goes to the next occurrence
            first = found
            while found is not None and found in taken[guid]:
                found = locators[guid].find(row.content, after=found[0] + 1)
            found = found or first
            if found is None:
                placed[key] = None
            else:
                last_start[guid] = found[0]
                taken[guid].add(found)
                new = RefiSelection(stable_guid("taguette highlight", where, row.document, row.id, *found), *found)
                sources[guid].selections.append(new)
                placed[key] = new
        sel = placed[key]
        if sel is None:
            lost["highlight rows whose words are not in their transcript"] += 1
            continue
        if row.tag not in codes:
            codes[row.tag] = stable_guid("taguette tag", row.tag)
            project.codes.append(RefiCode(codes[row.tag], row.tag))
        sel.codings.append(RefiCoding(stable_guid("taguette coding", sel.guid, row.tag), codes[row.tag], user))
    for what, n in sorted(lost.items()):
        project.warnings.append(f"{what}: {n} not imported")
    return project

"""Reading a QualCoder project (``NAME.qda/data.qda``, an SQLite database) as plain records.

What a QualCoder project holds and where it goes (the records are those of a REFI-QDA project,
``qualcode.export.refi``, so that the project layer writes them the way it writes a ``.qdpx``):

- text sources (``source.fulltext``) → transcripts; a source's memo → a memo on its transcript;
- categories (``code_cat``, nested by ``supercatid``) → parent codes, their memo the definition;
- codes (``code_name``; since database v16 also nested under a code by ``supercid``) → codes
  under their category or parent code, with colour and memo (the definition);
- text codings (``code_text``) → codings, each by its coder (``owner``); a coding's memo → a
  memo on the coding. Each coding's offsets are checked against the text QualCoder stored with
  it (``seltext``); where they disagree the words are looked for nearby, and a coding whose
  words are not in the text is counted, never placed on other words;
- annotations → memos on the segment they start in;
- cases → participants (a case linked to a whole text is its participant), case and file
  attributes → participant attributes.

Codings of pictures and of audio/video, images, journals, the project memo, graphs and the
"important" flag have no place in qualcode: each is counted in the warnings.

The file is opened read-only and never changed. A file that is not a QualCoder project, or one
written by a newer QualCoder than this reader knows (database version above ``KNOWN_VERSION``),
is refused in one line.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.peers import (
    QUALCODER_TABLES,
    Locator,
    columns,
    open_readonly,
    qualcoder_folder,
    table_names,
    words,
)
from qualcode.limits import FIELD_LIMITS, MAX_CODE_DEPTH, MAX_CODES, MAX_REFI_MEMBER_BYTES
from qualcode.refi import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiUser,
    RefiVariable,
    stable_guid,
)

MAX_TEXT_CHARS = MAX_REFI_MEMBER_BYTES  # one source's text, as for a source inside a .qdpx
KNOWN_VERSION = 17  # QualCoder's database versions v1 … v17 (QualCoder 3.x)
_VERSION = re.compile(r"^v(\d+)$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def read_qualcoder(path: str | Path) -> RefiProject:
    """A QualCoder project (its folder or its ``data.qda``) as a ``RefiProject``; ``warnings`` say
    what could not be carried, by count."""
    path = Path(path)
    path = qualcoder_folder(path) or path
    where = str(path)
    with open_readonly(path) as db:
        tables = table_names(db)
        if not tables >= QUALCODER_TABLES:
            missing = ", ".join(sorted(QUALCODER_TABLES - tables))
            raise InputError(where, f"not a QualCoder project (no {missing} table); is it another program's file?")
        row = db.execute("SELECT databaseversion, date, memo, about FROM project").fetchone()
        if row is None:
            raise InputError(where, "not a QualCoder project (its project table is empty)")
        version, created, memo, about = (str(v or "") for v in row)
        m = _VERSION.match(version.strip())
        if m is None:
            raise InputError(where, f"unknown QualCoder database version {version!r}; is it a QualCoder project?")
        if int(m.group(1)) > KNOWN_VERSION:
            raise InputError(
                where,
                f"written by a newer QualCoder (database {version}; qualcode reads up to v{KNOWN_VERSION}): "
                "export it from QualCoder as REFI-QDA (.qdpx) and import that",
            )
        try:
            return _Reader(db, where, tables, created, about, memo).read()
        except (ValueError, TypeError, OverflowError) as exc:
            raise InputError(
                where, f"unexpected values in the project's tables ({exc}); is the file damaged?"
            ) from None


class _Reader:
    def __init__(self, db: sqlite3.Connection, where: str, tables: set[str], created: str, about: str, memo: str):
        self.db, self.where, self.tables = db, where, tables
        self.key = ("qualcoder", created)  # GUIDs derived from the project's creation time and the row ids
        self.about, self.memo = about, memo
        self.lost: Counter[str] = Counter()
        self.warnings: list[str] = []
        self.users: dict[str, str] = {}  # owner name -> user GUID

    def guid(self, *parts: object) -> str:
        return stable_guid(*self.key, *parts)

    def user(self, owner: str | None) -> str:
        name = (owner or "").strip() or "qualcoder"
        if name not in self.users:
            self.users[name] = self.guid("user", name)
        return self.users[name]

    def count(self, table: str, where: str = "") -> int:
        if table not in self.tables:
            return 0
        return int(self.db.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0])

    def read(self) -> RefiProject:
        project = RefiProject(
            name=Path(self.where).parent.stem or "QualCoder project", origin=self.about or "QualCoder"
        )
        notes: list[RefiNote] = []
        project.codes, code_guids = self.codes(notes)
        project.sources, source_guids = self.sources(code_guids, notes)
        project.cases, project.variables = self.cases(source_guids)
        for src in project.sources:
            src.values = self.file_values.get(src.guid, {})
        project.notes = notes
        project.users = [RefiUser(g, name) for name, g in self.users.items()]
        self.report()
        project.warnings = self.warnings
        return project

    # -------------------------------------------------------------- codes

    def codes(self, notes: list[RefiNote]) -> tuple[list[RefiCode], dict[int, str]]:
        cats: dict[int, tuple[str, str, int | None]] = {}
        for catid, name, memo, parent in self.db.execute("SELECT catid, name, memo, supercatid FROM code_cat"):
            cats[int(catid)] = (str(name or "").strip() or f"category {catid}", str(memo or ""), parent)
        code_cols = columns(self.db, "code_name")
        sub = ", supercid" if "supercid" in code_cols else ", NULL"
        rows = list(self.db.execute(f"SELECT cid, name, memo, catid, color{sub} FROM code_name ORDER BY cid"))
        if len(rows) + len(cats) > MAX_CODES:
            raise InputError(self.where, f"more than {MAX_CODES:,} codes and categories; refusing the file")
        cat_nodes = {
            catid: RefiCode(self.guid("cat", catid), self._fits(name), False, None, memo.strip())
            for catid, (name, memo, _) in cats.items()
        }
        code_nodes: dict[int, RefiCode] = {}
        for cid, name, memo, _catid, color, _sup in rows:
            colour = str(color or "").strip()
            code_nodes[int(cid)] = RefiCode(
                self.guid("code", cid),
                self._fits(str(name or "").strip() or f"code {cid}"),
                True,
                colour.lower() if _COLOR.match(colour) else None,
                str(memo or "").strip(),
            )
        roots: list[RefiCode] = []
        # Categories under categories; a category whose parent is missing or in a cycle goes to the top.
        for catid, (_, _, parent) in sorted(cats.items()):
            node = cat_nodes[catid]
            if parent is not None and parent in cat_nodes and not self._cycle(catid, cats):
                cat_nodes[parent].children.append(node)
            else:
                roots.append(node)
        supers = {int(cid): sup for cid, _, _, _, _, sup in rows}
        for cid, _, _, catid, _, sup in rows:
            node = code_nodes[int(cid)]
            if sup is not None and int(sup) in code_nodes and not self._code_cycle(int(cid), supers):
                code_nodes[int(sup)].children.append(node)
            elif catid is not None and int(catid) in cat_nodes:
                cat_nodes[int(catid)].children.append(node)
            else:
                roots.append(node)
        for root in roots:
            for _node, _parent, depth in root.walk():
                if depth >= MAX_CODE_DEPTH:
                    raise InputError(self.where, f"codes are nested more than {MAX_CODE_DEPTH} levels deep")
        return roots, {cid: n.guid for cid, n in code_nodes.items()}

    @staticmethod
    def _cycle(catid: int, cats: dict[int, tuple[str, str, int | None]]) -> bool:
        seen = {catid}
        parent = cats[catid][2]
        while parent is not None and parent in cats:
            if parent in seen:
                return True
            seen.add(parent)
            parent = cats[parent][2]
        return False

    @staticmethod
    def _code_cycle(cid: int, supers: dict[int, object]) -> bool:
        seen = {cid}
        parent = supers.get(cid)
        while parent is not None and int(str(parent)) in supers:
            p = int(str(parent))
            if p in seen:
                return True
            seen.add(p)
            parent = supers.get(p)
        return False

    def _fits(self, name: str) -> str:
        limit = FIELD_LIMITS["code name"]
        if len(name) > limit:
            raise InputError(self.where, f"a code is named with {len(name):,} characters; the limit is {limit:,}")
        return name

    # -------------------------------------------------------------- sources and codings

    def sources(self, code_guids: dict[int, str], notes: list[RefiNote]) -> tuple[list[RefiSource], dict[int, str]]:
        out: list[RefiSource] = []
        guids: dict[int, str] = {}
        texts: dict[int, RefiSource] = {}
        for fid, name, fulltext, memo, owner, date in self.db.execute(
            "SELECT id, name, fulltext, memo, owner, date FROM source ORDER BY id"
        ):
            fid = int(fid)
            if fulltext is None or not str(fulltext).strip():
                self.lost["sources that are not text (pictures, audio, video; qualcode codes text)"] += 1
                continue
            text = str(fulltext)
            if len(text) > MAX_TEXT_CHARS:
                self.warnings.append(f"source {name!r}: {len(text):,} characters, over the limit; not imported")
                self.lost["codings on sources that were not imported"] += self.count("code_text", f"WHERE fid = {fid}")
                continue
            if "\x00" in text:
                self.warnings.append(f"source {name!r}: its text holds NUL characters; not imported")
                self.lost["codings on sources that were not imported"] += self.count("code_text", f"WHERE fid = {fid}")
                continue
            src = RefiSource(
                self.guid("source", fid),
                str(name or f"source {fid}"),
                text,
                user=self.user(owner),
                created=_iso(date),
            )
            if str(memo or "").strip():
                note = RefiNote(self.guid("source memo", fid), f"memo on {src.name}", str(memo), src.user, src.created)
                notes.append(note)
                src.notes.append(note.guid)
            guids[fid] = src.guid
            texts[fid] = src
            out.append(src)
        locators: dict[int, Locator] = {}
        by_place: dict[tuple[int, int, int], RefiSelection] = {}
        moved = 0
        important_col = "important" if "important" in columns(self.db, "code_text") else "NULL"  # since v3
        for ctid, cid, fid, seltext, pos0, pos1, owner, date, memo, important in self.db.execute(
            f"SELECT ctid, cid, fid, seltext, pos0, pos1, owner, date, memo, {important_col} FROM code_text ORDER BY ctid"
        ):
            coded = texts.get(int(fid)) if fid is not None else None
            if coded is None:
                self.lost["codings on sources that were not imported"] += 1
                continue
            if cid is None or int(cid) not in code_guids:
                self.lost["codings of codes the project does not define"] += 1
                continue
            if fid not in locators:
                locators[fid] = Locator(coded.text or "")
            try:
                start, end = int(pos0), int(pos1)
            except (TypeError, ValueError):
                start, end = -1, -1
            place = locators[fid].at(start, end, str(seltext or ""))
            if place is None:
                self.lost["codings whose words are not in their text (neither at their offsets nor nearby)"] += 1
                continue
            if words((coded.text or "")[max(0, start) : max(0, end)]) != words(str(seltext or "")):
                moved += 1
            if important:
                self.lost["'important' marks on codings (the codings are imported)"] += 1
            key = (int(fid), place[0], place[1])
            sel = by_place.get(key)
            if sel is None:
                sel = RefiSelection(self.guid("selection", *key), place[0], place[1])
                by_place[key] = sel
                coded.selections.append(sel)
            coding = RefiCoding(self.guid("coding", ctid), code_guids[int(cid)], self.user(owner), _iso(date))
            if str(memo or "").strip():
                note = RefiNote(self.guid("coding memo", ctid), "coding memo", str(memo), coding.user, coding.created)
                notes.append(note)
                coding.notes.append(note.guid)
            sel.codings.append(coding)
        if moved:
            self.warnings.append(
                f"{moved} codings' offsets did not match the words QualCoder stored with them; "
                "placed on those words, found nearby"
            )
        if "annotation" in self.tables:
            for anid, fid, pos0, pos1, memo, owner, date in self.db.execute(
                "SELECT anid, fid, pos0, pos1, memo, owner, date FROM annotation ORDER BY anid"
            ):
                noted = texts.get(int(fid)) if fid is not None else None
                n = len(noted.text or "") if noted is not None else 0
                if noted is None or not str(memo or "").strip() or not (0 <= int(pos0) < int(pos1) <= n):
                    self.lost["annotations on text that was not imported"] += 1
                    continue
                note = RefiNote(self.guid("annotation", anid), "annotation", str(memo), self.user(owner), _iso(date))
                notes.append(note)
                noted.selections.append(
                    RefiSelection(self.guid("annotation sel", anid), int(pos0), int(pos1), notes=[note.guid])
                )
        self.lost["codings of pictures (qualcode codes text)"] += self.count("code_image")
        self.lost["codings of audio and video (qualcode codes text)"] += self.count("code_av")
        return out, guids

    # -------------------------------------------------------------- cases and attributes

    def cases(self, source_guids: dict[int, str]) -> tuple[list[RefiCase], list[RefiVariable]]:
        variables: dict[str, RefiVariable] = {}

        def variable(name: str) -> str:
            if name not in variables:
                variables[name] = RefiVariable(self.guid("attribute", name), name[: FIELD_LIMITS["attribute name"]])
            return variables[name].guid

        case_values: dict[int, dict[str, str]] = defaultdict(dict)
        file_values: dict[int, dict[str, str]] = defaultdict(dict)
        if "attribute" in self.tables:
            for name, kind, value, owner_id in self.db.execute("SELECT name, attr_type, value, id FROM attribute"):
                if name is None or owner_id is None or value is None or str(value).strip() == "":
                    continue
                text = str(value).strip()[: FIELD_LIMITS["attribute value"]]
                target = case_values if str(kind) == "case" else file_values
                target[int(owner_id)][variable(str(name).strip())] = text
        sources_by_guid = {}
        cases: list[RefiCase] = []
        if "cases" in self.tables:
            links: dict[int, list[tuple[int, int | None, int | None]]] = defaultdict(list)
            if "case_text" in self.tables:
                for caseid, fid, pos0, pos1 in self.db.execute("SELECT caseid, fid, pos0, pos1 FROM case_text"):
                    if caseid is not None and fid is not None:
                        links[int(caseid)].append((int(fid), pos0, pos1))
            full_length = {
                int(fid): len(str(t))
                for fid, t in self.db.execute("SELECT id, fulltext FROM source WHERE fulltext IS NOT NULL")
            }
            memos = 0
            for caseid, name, memo in self.db.execute("SELECT caseid, name, memo FROM cases ORDER BY caseid"):
                label = str(name or f"case {caseid}").strip()[: FIELD_LIMITS["participant label"]]
                case = RefiCase(self.guid("case", caseid), label, str(memo or ""), case_values.get(int(caseid), {}))
                if str(memo or "").strip():
                    memos += 1
                for fid, pos0, pos1 in links.get(int(caseid), []):
                    if fid not in source_guids:
                        continue
                    whole = pos0 is None or pos1 is None or (int(pos0) <= 0 and int(pos1) >= full_length.get(fid, 0))
                    if whole:
                        case.sources.append(source_guids[fid])
                    else:
                        case.selections.append(self.guid("case part", caseid, fid, pos0, pos1))
                cases.append(case)
            if memos:
                self.lost["case memos (qualcode keeps no memo on a participant)"] += memos
        for fid, values in file_values.items():
            if fid in source_guids:
                sources_by_guid[source_guids[fid]] = values
        self.file_values = sources_by_guid
        return cases, list(variables.values())

    # -------------------------------------------------------------- what did not fit

    def report(self) -> None:
        if self.memo.strip():
            self.lost["the project memo (qualcode has no project memo)"] += 1
        self.lost["journals (qualcode has no journals)"] += self.count("journal")
        self.lost["graphs (qualcode has no graphs)"] += self.count("graph")
        self.lost["bibliography entries (qualcode has no references)"] += (
            int(self.db.execute("SELECT count(DISTINCT risid) FROM ris").fetchone()[0]) if "ris" in self.tables else 0
        )
        self.lost["stored SQL queries"] += self.count("stored_sql")
        self.lost["descriptions of attributes (the values are imported)"] += self.count(
            "attribute_type", "WHERE trim(coalesce(memo, '')) != ''"
        )
        for what, n in sorted(self.lost.items()):
            if n:
                self.warnings.append(f"{what}: {n} not imported")


def _iso(value: object) -> str:
    """QualCoder's ``yyyy-mm-dd hh:mm:ss`` as ISO 8601 (``T`` between), or empty."""
    text = str(value or "").strip()
    return text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?$", text) else ""

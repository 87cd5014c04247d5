"""Small SYNTHETIC projects of QualCoder and Taguette, written here for the tests.

Built with the tools' own schemas (the CREATE TABLE statements below are those of QualCoder
3.x, database v16, in ``src/qualcoder/__main__.py``, and of a Taguette 1.4 project export at
schema revision db5e31a0233d), holding what real files hold that is awkward: nested categories
and a sub-code, codings by two coders, a coding whose offsets count UTF-16 units (as Qt does)
after an emoji, a coding across two turns, codings that cannot be placed, pictures, a case with
attributes; Taguette HTML with entities, multi-byte characters, paragraphs without a line
break between them, an untagged highlight and highlights by two users. The real files these
imitate are listed in ``tests/fixtures/peers/README.md``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

QUALCODER_SCHEMA = """
CREATE TABLE project (databaseversion text, date text, memo text,about text, bookmarkfile integer,
  bookmarkpos integer, codername text);
CREATE TABLE source (id integer primary key, name text, fulltext text, mediapath text, memo text,
  owner text, date text, av_text_id integer, risid integer, unique(name));
CREATE TABLE code_image (imid integer primary key,id integer,x1 integer, y1 integer, width integer,
  height integer, cid integer, memo text, date text, owner text, important integer);
CREATE TABLE code_av (avid integer primary key,id integer,pos0 integer, pos1 integer, cid integer,
  memo text, date text, owner text, important integer);
CREATE TABLE annotation (anid integer primary key, fid integer,pos0 integer, pos1 integer, memo text,
  owner text, date text, unique(fid,pos0,pos1,owner));
CREATE TABLE attribute_type (name text primary key, date text, owner text, memo text, caseOrFile text,
  valuetype text);
CREATE TABLE attribute (attrid integer primary key, name text, attr_type text, value text, id integer,
  date text, owner text, unique(name,attr_type,id));
CREATE TABLE case_text (id integer primary key, caseid integer, fid integer, pos0 integer, pos1 integer,
  owner text, date text, memo text);
CREATE TABLE cases (caseid integer primary key, name text, memo text, owner text,date text,
  constraint ucm unique(name));
CREATE TABLE code_cat (catid integer primary key, name text, owner text, date text, memo text,
  supercatid integer, unique(name));
CREATE TABLE code_text (ctid integer primary key, cid integer, fid integer,seltext text, pos0 integer,
  pos1 integer, owner text, date text, memo text, avid integer, important integer,
  unique(cid,fid,pos0,pos1, owner));
CREATE TABLE code_name (cid integer primary key, name text, memo text, catid integer, owner text,
  date text, color text, supercid integer, unique(name));
CREATE TABLE journal (jid integer primary key, name text, jentry text, date text, owner text, unique(name));
CREATE TABLE graph (grid integer primary key, name text, description text, date text, scene_width integer,
  scene_height integer, unique(name));
"""

QC_TEXT = (
    "Interviewer: How did the network change your school?\n"
    "\n"
    "Teacher: We put it in the plan \U0001f600 straight away. Release time mattered most.\n"
    "\n"
    "Interviewer: And trust?\n"
    "\n"
    "Teacher: Trust took years. We built it slowly.\n"
)
WHEN = "2025-03-01 16:47:05"


def qualcoder_project(folder: Path, version: str = "v16") -> Path:
    """``folder/study.qda/data.qda``; returns the project folder (``study.qda``)."""
    project = folder / "study.qda"
    project.mkdir(parents=True)
    db = sqlite3.connect(project / "data.qda")
    db.executescript(QUALCODER_SCHEMA)
    db.execute(
        "INSERT INTO project VALUES (?,?,?,?,0,0,?)", (version, WHEN, "Pilot study memo", "QualCoder 3.6", "alice")
    )
    t = QC_TEXT
    db.execute(
        "INSERT INTO source VALUES (1, 'teacher-t1', ?, '/docs/teacher-t1.docx', 'Recorded at school', 'alice', ?, NULL, NULL)",
        (t, WHEN),
    )
    db.execute(
        "INSERT INTO source VALUES (2, 'diagram', NULL, '/images/diagram.png', '', 'alice', ?, NULL, NULL)", (WHEN,)
    )
    db.executemany(
        "INSERT INTO code_cat VALUES (?,?,?,?,?,?)",
        [(1, "Themes", "alice", WHEN, "", None), (2, "Conditions", "alice", WHEN, "What made the work possible.", 1)],
    )
    db.executemany(
        "INSERT INTO code_name VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                1,
                "Time",
                "Release time and cover.\n\nInclude: cover arranged by the school.",
                2,
                "alice",
                WHEN,
                "#F5B999",
                None,
            ),
            (2, "Trust", "", None, "alice", WHEN, "#FA8258", None),
            (3, "Release time", "", None, "alice", WHEN, "#3D6CB3", 1),  # a sub-code of Time (database v16)
        ],
    )

    def at(words: str) -> tuple[int, int]:
        i = t.index(words)
        return i, i + len(words)

    release = at("Release time mattered most.")
    across = (t.index("And trust?"), t.index("Trust took years.") + len("Trust took years."))
    slowly = at("We built it slowly.")
    away = at("straight away")
    utf16 = (away[0] + 1, away[1] + 1)  # Qt counts the emoji as two UTF-16 units
    rows = [
        (1, 1, 1, "Release time mattered most.", *release, "alice", WHEN, "", None, None),
        (2, 1, 1, "Release time mattered most.", *release, "bob", WHEN, "", None, None),
        (3, 2, 1, t[across[0] : across[1]].replace("\n", "\u2029"), *across, "alice", WHEN, "", None, None),
        (4, 3, 1, "straight away", *utf16, "alice", WHEN, "", None, None),
        (5, 2, 1, "words that were never said", 10, 30, "bob", WHEN, "", None, None),
        (6, 99, 1, "How did the network", 13, 32, "alice", WHEN, "", None, None),
        (7, 2, 1, "We built it slowly.", *slowly, "alice", WHEN, "Clear example of slow trust", None, 1),
    ]
    db.executemany("INSERT INTO code_text VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    years = at("Trust took years.")
    db.execute("INSERT INTO annotation VALUES (1, 1, ?, ?, 'Follow up on this', 'bob', ?)", (*years, WHEN))
    db.execute("INSERT INTO code_image VALUES (1, 2, 0, 0, 10, 10, 2, '', ?, 'alice', NULL)", (WHEN,))
    db.execute("INSERT INTO cases VALUES (1, 'Teacher T1', 'Met at the school', 'alice', ?)", (WHEN,))
    db.execute("INSERT INTO case_text VALUES (1, 1, 1, 0, ?, 'alice', ?, '')", (len(t), WHEN))
    db.executemany(
        "INSERT INTO attribute_type VALUES (?,?,?,?,?,?)",
        [
            ("role", WHEN, "alice", "The participant's job", "case", "character"),
            ("school", WHEN, "alice", "", "file", "character"),
        ],
    )
    db.executemany(
        "INSERT INTO attribute VALUES (?,?,?,?,?,?,?)",
        [(1, "role", "case", "Teacher", 1, WHEN, "alice"), (2, "school", "file", "School A", 1, WHEN, "alice")],
    )
    db.execute("INSERT INTO journal VALUES (1, 'Reflections', 'Week one went well.', ?, 'alice')", (WHEN,))
    db.execute("CREATE TABLE ris (risid integer, tag text, longtag text, value text)")
    db.executemany("INSERT INTO ris VALUES (1, ?, ?, ?)", [("TY", "type", "JOUR"), ("TI", "title", "Networks")])
    db.commit()
    db.close()
    return project


QC_EXPECTED = {
    # (coder, code name) -> the words of each coding (one across two turns stays one passage)
    ("alice", "Time"): ["Release time mattered most."],
    ("bob", "Time"): ["Release time mattered most."],
    ("alice", "Trust"): ["And trust?\n\nTeacher: Trust took years.", "We built it slowly."],
    ("alice", "Release time"): ["straight away"],
}

TAGUETTE_SCHEMA = """
CREATE TABLE users (login VARCHAR(30) NOT NULL, created DATETIME NOT NULL, hashed_password VARCHAR(120),
  password_set_date DATETIME, language VARCHAR(10), email VARCHAR(256), email_sent DATETIME,
  CONSTRAINT pk_users PRIMARY KEY (login));
CREATE TABLE projects (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, name VARCHAR(200) NOT NULL,
  description TEXT NOT NULL, created DATETIME NOT NULL);
CREATE TABLE project_members (project_id INTEGER NOT NULL, user_login VARCHAR(30) NOT NULL,
  privileges VARCHAR(11) NOT NULL, CONSTRAINT pk_project_members PRIMARY KEY (project_id, user_login));
CREATE TABLE documents (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, name VARCHAR(200) NOT NULL,
  description TEXT NOT NULL, filename VARCHAR(200) NOT NULL, created DATETIME NOT NULL,
  project_id INTEGER NOT NULL, text_direction VARCHAR(13) NOT NULL, contents TEXT NOT NULL);
CREATE TABLE commands (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, date DATETIME NOT NULL,
  user_login VARCHAR(30) NOT NULL, project_id INTEGER NOT NULL, document_id INTEGER, payload TEXT NOT NULL);
CREATE TABLE tags (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, project_id INTEGER NOT NULL,
  path VARCHAR(200) NOT NULL, description TEXT NOT NULL, CONSTRAINT uq_tags_project_id UNIQUE (project_id, path));
CREATE TABLE highlights (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, document_id INTEGER NOT NULL,
  start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, snippet TEXT NOT NULL);
CREATE TABLE highlight_tags (highlight_id INTEGER NOT NULL, tag_id INTEGER NOT NULL,
  CONSTRAINT pk_highlight_tags PRIMARY KEY (highlight_id, tag_id));
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,
  CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
"""

# Paragraphs with and without a line break between them, an entity, a <br>, an emoji and accents.
TG_HTML = (
    "<p>Interviewer: Was the caf\u00e9 &amp; library open?</p>\n"
    "<p>Participant: Yes \U0001f600 it was. <strong>Every</strong> day.</p>"
    "<p>Interviewer: And the r\u00e9sum\u00e9 workshop?<br>Participant: It helped me a lot.</p>\n"
)
# The same document as text, as Taguette counts it: text nodes only, UTF-8 bytes.
TG_NODES = "Interviewer: Was the caf\u00e9 & library open?\nParticipant: Yes \U0001f600 it was. Every day.Interviewer: And the r\u00e9sum\u00e9 workshop?Participant: It helped me a lot.\n"


def _bytes_at(words: str, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = TG_NODES.index(words, i + 1)
    start = len(TG_NODES[:i].encode("utf-8"))
    return start, start + len(words.encode("utf-8"))


TG_HIGHLIGHTS = [
    # (id, words, tags, snippet, user)
    (1, "Yes \U0001f600 it was. Every day.", [1], "<p>Yes \U0001f600 it was. <strong>Every</strong> day.</p>", "ana"),
    (2, "caf\u00e9 & library", [1, 2], "<p>caf\u00e9 &amp; library</p>", "ben"),
    (3, "It helped me a lot.", [3], "<p>It helped me a lot.</p>", "ana"),
    (4, "open?", [], "<p>open?</p>", "ana"),  # a highlight with no tag
    # across two turns: Taguette's snippet keeps both paragraphs
    (5, "Every day.Interviewer: And the", [2], "<p><strong>Every</strong> day.</p><p>Interviewer: And the</p>", "ben"),
]
TG_EXPECTED = {
    ("ana", "Places"): ["Yes \U0001f600 it was. Every day."],
    ("ben", "Places"): ["caf\u00e9 & library"],
    ("ben", "Learning"): ["caf\u00e9 & library", "Every day.\nInterviewer: And the"],
    ("ana", "Helped"): ["It helped me a lot."],
}


def taguette_export(folder: Path, revision: str = "db5e31a0233d") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "project.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(TAGUETTE_SCHEMA)
    db.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
    db.execute("INSERT INTO projects VALUES (1, 'Library study', 'A pilot', '2022-02-03 08:00:53.304249')")
    db.executemany("INSERT INTO users (login, created) VALUES (?, '2022-01-01 00:00:00')", [("ana",), ("ben",)])
    db.executemany("INSERT INTO project_members VALUES (1, ?, 'ADMIN')", [("ana",), ("ben",)])
    db.execute(
        "INSERT INTO documents VALUES (1, 'library-p1.odt', 'First participant', 'library-p1.odt', "
        "'2022-02-03 09:00:00', 1, 'LEFT_TO_RIGHT', ?)",
        (TG_HTML,),
    )
    db.executemany(
        "INSERT INTO tags VALUES (?, 1, ?, ?)",
        [(1, "Places", "Where people went."), (2, "Learning", "What people learnt."), (3, "Helped", "")],
    )
    for n, (hid, words, tags, snippet, user) in enumerate(TG_HIGHLIGHTS, start=1):
        start, end = _bytes_at(words)
        db.execute("INSERT INTO highlights VALUES (?, 1, ?, ?, ?)", (hid, start, end, snippet))
        db.executemany("INSERT INTO highlight_tags VALUES (?, ?)", [(hid, t) for t in tags])
        payload = {"type": "highlight_add", "highlight_id": hid, "start_offset": start, "end_offset": end, "tags": tags}
        db.execute("INSERT INTO commands VALUES (?, '2022-03-03 11:06:30', ?, 1, 1, ?)", (n, user, json.dumps(payload)))
    db.commit()
    db.close()
    return path


def taguette_csvs(folder: Path) -> tuple[Path, Path]:
    """Taguette's codebook and highlights CSVs for the same project (its column order, its quoting)."""
    codebook = folder / "codebook.csv"
    codebook.write_text(
        "tag,description,number of highlights,number of documents\r\n"
        "Places,Where people went.,2,1\r\n"
        "Learning,What people learnt.,2,1\r\n"
        "Helped,,1,1\r\n",
        encoding="utf-8",
    )
    highlights = folder / "all_tags.csv"
    highlights.write_text(
        "id,document,tag,content\r\n"
        "2,library-p1.odt,Places,caf\u00e9 & library\r\n"
        "2,library-p1.odt,Learning,caf\u00e9 & library\r\n"
        "4,library-p1.odt,,open?\r\n"
        "1,library-p1.odt,Places,Yes \U0001f600 it was. Every day.\r\n"
        "3,library-p1.odt,Helped,It helped me a lot.\r\n"
        '9,library-p1.odt,Helped,"words that were never said"\r\n',
        encoding="utf-8",
    )
    return codebook, highlights

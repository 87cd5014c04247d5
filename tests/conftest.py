"""Shared fixtures.

The backend under test is SQLite unless QUALCODE_TEST_POSTGRES holds a server URL
(``postgresql://user@127.0.0.1:5432/postgres``): then every ``project_url`` is a fresh
database on that server, and the whole suite runs against PostgreSQL.
"""

from __future__ import annotations

import difflib
import html
import os
import re
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode import codebook as cb

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POSTGRES = os.environ.get("QUALCODE_TEST_POSTGRES")

TINY_CODEBOOK = """\
name: Tiny test codebook
description: Two branches for tests.
codes:
  - id: formalisation
    name: Formalisation
    description: Making network work part of the school's formal structures.
    color: "#1f77b4"
    keywords: [development plan]
    children:
      - id: formalisation.plans
        name: Plans
        description: Network work written into development plans.
        keywords: [development plan, performance management]
      - id: formalisation.meetings
        name: Meetings
        description: Formal meetings and reporting back.
        keywords: [report back, meeting]
  - id: prioritisation
    name: Prioritisation
    description: Giving the work time and resources.
    color: "#ff7f0e"
    children:
      - id: prioritisation.time
        name: Time
        description: Release time and cover.
        keywords: [cover, release time]
"""

INTERVIEW = """\
---
participant: Headteacher N1
role: Headteacher
school: School A
network: RLN
country: England
identifying:
  name: Jane Testperson
  school: Testbrook Primary
---
Interviewer: How did you make the network part of the school? [crosstalk]

Headteacher: We put it in the development plan straight away. It was in everyone's performance management too.

Interviewer: And time?

Headteacher: We paid for cover so they had release time. [laughs] Not easy on our budget.
Some weeks it was the first thing to go.

Interviewer: Thank you.
"""


@pytest.fixture
def tiny_codebook() -> cb.CodebookDoc:
    return cb.parse_codebook(TINY_CODEBOOK, "tiny.yaml")


@pytest.fixture
def project_url(tmp_path: Path) -> str:
    """A location for a new, empty project on the backend under test."""
    if not POSTGRES:
        return str(tmp_path / "project.db")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "qc_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def interview_file(tmp_path: Path) -> Path:
    path = tmp_path / "interview-01.txt"
    path.write_text(INTERVIEW, encoding="utf-8")
    return path


@pytest.fixture
def project(project_url: str, tiny_codebook, interview_file):
    """A project with the tiny codebook, coders alice and bob, and one imported interview."""
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project

    p = Project.create(project_url, tiny_codebook)
    p.add_coder("alice")
    p.add_coder("bob")
    p.import_transcript(parse_file(interview_file))
    yield p
    p.close()


@pytest.fixture
def run_cli(monkeypatch, tmp_path):
    """Run the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    from qualcode.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUALCODE_DB", raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, [str(a) for a in args], prog_name="qualcode", catch_exceptions=False)

    return run


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared (reference material) is not beside the repository")
    return SHARED


def _svg_lines(svg: str) -> list[str]:
    """The text rows of a snapshot SVG: its <text> elements placed by column (Textual draws a
    cell 12.2 px wide) and grouped into rows by their y."""
    rows: dict[float, dict[int, str]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(m.group(2)), {})[round(float(m.group(1)) / 12.2)] = html.unescape(m.group(3))
    lines = []
    for _, row in sorted(rows.items()):
        line = ""
        for column, text in sorted(row.items()):
            line = line.ljust(column) + text
        lines.append(line.replace("\xa0", " ").rstrip())
    return lines


@pytest.fixture
def snap(snap_compare, request):
    """``snap_compare`` that takes the picture only once the screen has stopped changing, and on a
    mismatch prints the rows whose text differs (CI keeps no snapshot report)."""
    from qualcode.tui.testing import screen_text, until_still

    def compare(app, *, run_before=None, **kwargs) -> bool:
        seen: list[str] = []

        async def before(pilot) -> None:
            if run_before is not None:
                await run_before(pilot)
            await until_still(pilot)
            seen[:] = screen_text(pilot.app).splitlines()

        matched = snap_compare(app, run_before=before, **kwargs)
        stored = Path(request.node.path).parent / "__snapshots__" / request.node.path.stem / f"{request.node.name}.svg"
        if not matched and seen and stored.exists():
            expected = _svg_lines(stored.read_text(encoding="utf-8"))
            shown = [line.rstrip() for line in seen]
            diff = difflib.unified_diff(expected, shown, "snapshot", "screen", lineterm="", n=1)
            print("\n".join(diff) or "same text: the difference is in colours or styles")
        return matched

    return compare


# The fast lane, `pytest -m fast`: the domain's tests without a database, the package-wide checks
# (error root, import circles, no Textual below the faces) and the workbench's error reporting;
# under two minutes on two cores. The whole suite stays the gate.
FAST_FILES = {
    "test_agreement_measures.py",
    "test_analysis.py",
    "test_analysis_matrix.py",
    "test_codebook.py",
    "test_error_root.py",
    "test_event_words.py",
    "test_import_circles.py",
    "test_speakers.py",
    "test_tui_units.py",
    "test_errors.py",  # tests/tui
    "test_helpers.py",  # tests/tui
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in FAST_FILES:
            item.add_marker(pytest.mark.fast)

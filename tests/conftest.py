"""Shared fixtures.

The backend under test is SQLite unless QUALCODE_TEST_POSTGRES holds a server URL
(``postgresql://user@127.0.0.1:5432/postgres``): then every ``project_url`` is a fresh
database on that server, and the whole suite runs against PostgreSQL.
"""

from __future__ import annotations

import os
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

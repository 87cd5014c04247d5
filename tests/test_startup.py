"""Start-up: a command loads only what it uses, and opening a current project reads its schema
version without loading the migrations."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fresh_process import loaded_modules

ROOT = Path(__file__).resolve().parent.parent

# What none of the everyday project commands needs: agreement (numpy), suggestions (scikit-learn,
# spaCy), migrations (Alembic, Mako), the workbench (Textual).
HEAVY = ("numpy", "alembic", "mako", "sklearn", "spacy", "textual", "thinc", "scipy")


def _heavy(modules: set[str]) -> list[str]:
    return sorted(n for n in HEAVY if any(m == n or m.startswith(n + ".") for m in modules))


def test_status_loads_no_numpy_alembic_spacy_sklearn_or_textual(project, tmp_path):
    url = project.location if project.backend == "postgresql" else str(project.database_file)
    shown, modules = loaded_modules(["status", "--db", url, "--format", "json"], tmp_path)
    assert json.loads(shown)["transcripts"] == 1
    assert _heavy(modules) == []
    if project.backend == "sqlite":  # a current SQLite project is read with sqlite3 (qualcode.project.peek)
        assert _loaded(modules, NOT_FOR_A_CURRENT_SQLITE_STATUS) == []


# What status does not load either on a current SQLite project: SQLAlchemy, the store, the models, any part.
NOT_FOR_A_CURRENT_SQLITE_STATUS = (
    "sqlalchemy",
    "qualcode.store",
    "qualcode.db.engine",
    "qualcode.db.models",
    "qualcode.project.settings",
    "qualcode.project.transcripts",
)


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


# What status does not use either: Rich (six plain lines), the other commands' modules, and the
# project parts other than the transcripts (and the settings every part reads).
NOT_FOR_STATUS = (
    "rich",
    "qualcode.cli.analysis",
    "qualcode.cli.export",
    "qualcode.cli.suggest",
    "qualcode.cli.serve",
    "qualcode.cli.team",
    "qualcode.project.analysis",
    "qualcode.project.exchange",
    "qualcode.project.agreement",
    "qualcode.project.suggestions",
    "qualcode.project.team",
    "qualcode.project.codings",
    "qualcode.project.transcript_changes",
    "qualcode.analysis",
    "qualcode.refi",
    "qualcode.study",
)


def test_status_loads_neither_rich_nor_the_other_commands_and_parts(project, tmp_path):
    url = project.location if project.backend == "postgresql" else str(project.database_file)
    shown, modules = loaded_modules(["status", "--db", url], tmp_path)
    assert "data      1 transcripts, 1 participants, 5 segments, 60 words" in shown
    assert sorted(n for n in NOT_FOR_STATUS if any(m == n or m.startswith(n + ".") for m in modules)) == []


def test_each_command_is_found_in_the_module_the_group_imports_for_it():
    import importlib

    from qualcode.cli import COMMAND_MODULES, cli

    defined = {}
    for module in dict.fromkeys(m for modules in COMMAND_MODULES.values() for m in modules):
        for command in importlib.import_module(f"qualcode.cli.{module}").COMMANDS:
            defined[command.name] = module
    assert {name: modules[0] for name, modules in COMMAND_MODULES.items()} == defined
    modules = {p.stem for p in (ROOT / "qualcode" / "cli").glob("*.py")}
    assert {m for m in modules if hasattr(importlib.import_module(f"qualcode.cli.{m}"), "COMMANDS")} == {
        m for ms in COMMAND_MODULES.values() for m in ms
    }
    assert sorted(cli.commands) == sorted(COMMAND_MODULES)


def test_help_lists_every_command_with_its_line(tmp_path):
    shown, _ = loaded_modules(["--help"], tmp_path)
    listed = shown.split("Commands:", 1)[1]
    for name in ("status", "export", "retrieve", "serve", "transcripts", "merge", "anonymise", "undo"):
        assert f"\n  {name} " in listed
    assert "What the project holds" in listed
    shown, _ = loaded_modules(["transcripts", "--help"], tmp_path)
    assert "rename" in shown and "remove" in shown


def test_retrieve_and_the_codebook_load_none_of_them_either(project, tmp_path):
    url = project.location if project.backend == "postgresql" else str(project.database_file)
    project.apply_code("alice", "formalisation.plans", project.segments(project.list_transcripts()[0].id)[1].id)
    shown, modules = loaded_modules(["retrieve", "formalisation", "--db", url, "--format", "json"], tmp_path)
    assert "development plan" in shown
    assert _heavy(modules) == []
    shown, modules = loaded_modules(["codebook", "show", "--db", url], tmp_path)
    assert "Formalisation" in shown
    assert _heavy(modules) == []


# What the analysis reads do not load on a current SQLite project either (qualcode.project.light).
NOT_FOR_A_CURRENT_SQLITE_ANALYSIS = (
    "sqlalchemy",
    "qualcode.store",
    "qualcode.db.engine",
    "qualcode.db.models",
    "qualcode.project.analysis",
    "qualcode.project.exchange",
    "qualcode.project.mapping",
)


def test_retrieve_cooccur_and_compare_read_a_current_sqlite_project_without_sqlalchemy(project, tmp_path):
    url = project.location if project.backend == "postgresql" else str(project.database_file)
    project.apply_code("alice", "formalisation.plans", project.segments(project.list_transcripts()[0].id)[1].id)
    for args in (
        ["retrieve", "formalisation", "--format", "json"],
        ["cooccur", "--format", "json"],
        ["compare", "--a", "role=Headteacher", "--b", "role=Teacher", "--format", "json"],
    ):
        shown, modules = loaded_modules([*args, "--db", url], tmp_path)
        assert json.loads(shown)
        assert _heavy(modules) == []
        if project.backend == "sqlite":
            assert _loaded(modules, NOT_FOR_A_CURRENT_SQLITE_ANALYSIS) == [], args
        else:
            assert "sqlalchemy" in modules


def test_agreement_still_loads_numpy_when_it_computes(project, tmp_path):
    url = project.location if project.backend == "postgresql" else str(project.database_file)
    segment = project.segments(project.list_transcripts()[0].id)[1].id
    for coder in ("alice", "bob"):
        project.apply_code(coder, "formalisation.plans", segment)
    shown, modules = loaded_modules(["agreement", "alice", "bob", "--db", url, "--format", "json"], tmp_path)
    assert "formalisation.plans" in shown
    assert "numpy" in modules and "alembic" not in modules


def test_an_older_schema_is_still_migrated_when_opened(project_url, tiny_codebook):
    from qualcode.db import engine as dbengine
    from qualcode.project import Project

    with Project.create(project_url, tiny_codebook) as project:
        dbengine.downgrade(project.store.engine, "0004")
        assert dbengine.current_revision(project.store.engine) == "0004"
    with Project.open(project_url) as project:
        assert dbengine.current_revision(project.store.engine) == dbengine.HEAD_REVISION
        assert [c.key for c in project.codes()][:2] == ["formalisation", "formalisation.plans"]


def test_the_schema_version_is_one_query(project):
    from sqlalchemy import event

    from qualcode.db import engine as dbengine

    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(project.store.engine, "before_cursor_execute", seen)
    try:
        assert dbengine.current_revision(project.store.engine) == dbengine.HEAD_REVISION
    finally:
        event.remove(project.store.engine, "before_cursor_execute", seen)
    assert [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "SET"))] == [
        "SELECT version_num FROM alembic_version"
    ]


def test_a_database_without_a_schema_has_no_revision(tmp_path):
    from sqlalchemy import text

    from qualcode.db import engine as dbengine

    engine = dbengine.make_engine(dbengine.resolve_url(str(tmp_path / "other.db")))
    try:
        assert dbengine.current_revision(engine) is None
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE notes (id INTEGER)"))
        assert dbengine.current_revision(engine) is None
    finally:
        engine.dispose()


def test_a_part_is_built_once_when_threads_ask_for_it_at_the_same_moment(project, project_url):
    """The workbench's threads may reach a part first together: they get one part (the analysis
    keeps caches of its own), not one each."""
    import threading

    from qualcode.project import Project

    with Project.open(project_url) as fresh:
        start = threading.Barrier(8)
        got: list[object] = []

        def ask() -> None:
            start.wait()
            got.append(fresh.analysis)

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(got) == 8 and len({id(p) for p in got}) == 1

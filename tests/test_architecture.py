"""What the import contracts in pyproject.toml cannot say for themselves, and docs/architecture.md against the code.

- import-linter checks only the modules a layers contract names: a new top-level module left out
  of it would escape every arrow, so each one must be named.
- The contracts are only as good as the import graph: an import inside a function (the usual way
  to hide a circle) must count. This builds a small package whose only import of each kind sits in
  a function and checks that each contract kind used here breaks on it.
- docs/architecture.md names modules by path and draws the layers: those paths exist, and every
  top-level module is in the drawing.
"""

from __future__ import annotations

import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import qualcode

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINT = {"__main__"}
EXAMPLES = {
    "qualcode/project/replace.py"
}  # "where a new feature goes" walks through making it  # `python -m qualcode`: starts the CLI, above every layer


def _contracts() -> list[dict]:
    tomllib = pytest.importorskip("tomllib")  # in the standard library from Python 3.11
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def _top_level() -> set[str]:
    return {m.name for m in pkgutil.iter_modules(qualcode.__path__)} - ENTRY_POINT


def test_every_top_level_module_is_in_a_layer():
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    named = {part.strip() for layer in layers["layers"] for part in re.split(r"[:|]", layer)}
    missing = sorted(f"qualcode.{m}" for m in _top_level() if f"qualcode.{m}" not in named)
    assert not missing, f"not in the layers contract, so no arrow is checked for them: {missing}"


def test_no_domain_module_escapes_the_export_ban():
    """Every module of the layers below the exports is a source of the contract that forbids importing them."""
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    (ban,) = [c for c in _contracts() if c["type"] == "forbidden" and c["forbidden_modules"] == ["qualcode.export"]]
    below = layers["layers"][layers["layers"].index("qualcode.export") + 1 :]
    domain = {part.strip() for layer in below[:2] for part in layer.split(":")}
    assert domain <= set(ban["source_modules"])


CIRCLE = {
    "__init__.py": "",
    # the only import of b by a is inside a function
    "a.py": "def f():\n    from circ import b\n\n    return b\n",
    "b.py": "import circ.a\n",
}
CONTRACTS = {
    "acyclic_siblings": 'ancestors = ["circ"]',
    "forbidden": 'source_modules = ["circ.a"]\nforbidden_modules = ["circ.b"]',
    "independence": 'modules = ["circ.a", "circ.b"]',
}


@pytest.mark.parametrize("kind", sorted(CONTRACTS))
def test_imports_inside_functions_break_contracts(kind, tmp_path):
    package = tmp_path / "circ"
    package.mkdir()
    for name, text in CIRCLE.items():
        (package / name).write_text(text, encoding="utf-8")
    config = tmp_path / "pyproject.toml"
    config.write_text(
        f'[tool.importlinter]\nroot_package = "circ"\n\n[[tool.importlinter.contracts]]\n'
        f'name = "one"\ntype = "{kind}"\n{CONTRACTS[kind]}\n',
        encoding="utf-8",
    )
    # In a process of its own: import-linter configures logging with dictConfig, which disables
    # every logger that exists in the process (the server's included, for the tests after this one).
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "BROKEN" in run.stdout


def test_the_architecture_page_names_modules_that_exist():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:qualcode/)?[a-z_]+(?:/[a-z_]+)*\.py)`", doc))
    assert paths, "the page names no module"
    gone = sorted(p for p in paths - EXAMPLES if not (ROOT / p).exists() and not (ROOT / "qualcode" / p).exists())
    assert not gone, f"docs/architecture.md names modules that do not exist: {gone}"
    dotted = set(re.findall(r"`(qualcode(?:\.[a-z_]+)+)", doc))
    missing = sorted(d for d in dotted if not _importable(d))
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def test_the_layer_drawing_shows_every_top_level_module():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawing = doc.split("## Layers", 1)[1].split("```", 2)[1]
    words = set(re.findall(r"[a-z_]+", drawing))
    assert not sorted(_top_level() - words), f"missing from the drawing: {sorted(_top_level() - words)}"


def _importable(dotted: str) -> bool:
    """A module, or an attribute of one (``qualcode.store.log_event``)."""
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 1, -1):
        try:
            module = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        obj: object = module
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False

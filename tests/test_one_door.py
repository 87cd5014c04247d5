"""One door: the faces (cli, tui, web) call ``Project`` and nothing below it.

``Project`` delegates to its parts (``project.codings``, ``project.analysis``, …); a face that
reached a part, the store or the engine would be a second way in that the façade does not cover.
import-linter cannot say this (the parts are attributes, not imports), so this test reads the
faces' source: every ``<project>.<part>`` is refused, where ``<project>`` is a name or attribute
called ``project`` (or ``p``), or a name assigned from one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import qualcode
from qualcode.project import Project

ROOT = Path(qualcode.__file__).resolve().parent
FACES = ("cli", "tui", "web")


def part_names() -> set[str]:
    """The attributes ``Project.__init__`` sets and the parts it builds when first used
    (``_built_on_first_use``), and the engine."""
    tree = ast.parse(Path(ROOT / "project" / "__init__.py").read_text(encoding="utf-8"))
    project = next(c for c in tree.body if isinstance(c, ast.ClassDef) and c.name == "Project")
    init = next(n for n in project.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    built_later = {
        n.name
        for n in project.body
        if isinstance(n, ast.FunctionDef) and any(ast.unparse(d) == "_built_on_first_use" for d in n.decorator_list)
    }
    names = {
        t.attr
        for a in ast.walk(init)
        if isinstance(a, ast.Assign)
        for t in a.targets
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
    }
    return names | built_later | {"engine"}


def is_project(node: ast.expr, names: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in names
    return isinstance(node, ast.Attribute) and node.attr == "project"


def project_names(tree: ast.Module) -> set[str]:
    """``project``, ``p`` and every name a module assigns a project to (``analysis = self.project``)."""
    names = {"project", "p"}
    changed = True
    while changed:
        changed = False
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign):
                continue
            pairs: list[tuple[ast.expr, ast.expr]] = []
            for target in node.targets:
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs += zip(target.elts, node.value.elts, strict=False)
                else:
                    pairs.append((target, node.value))
            for target, value in pairs:
                if isinstance(target, ast.Name) and target.id not in names and is_project(value, names):
                    names.add(target.id)
                    changed = True
    return names


def back_doors(source: str, parts: set[str]) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    names = project_names(tree)
    return sorted(
        (node.lineno, ast.unparse(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in parts and is_project(node.value, names)
    )


def test_the_parts_are_what_project_holds() -> None:
    parts = part_names()
    assert {"store", "codings", "analysis", "transcripts", "suggestions", "engine"} <= parts
    assert not hasattr(Project, "engine"), "the engine stays behind the store"


def test_the_check_sees_a_back_door() -> None:
    parts = part_names()
    seen = back_doors(
        "def f(self, project):\n"
        "    project.analysis.retrieve('x')\n"
        "    a = self.project\n"
        "    a.codings.undo('alice')\n"
        "    self.app.project.engine.url\n"
        "    project.retrieve('x')\n",
        parts,
    )
    assert [line for line, _ in seen] == [2, 4, 5]


def test_faces_call_project_and_nothing_below_it() -> None:
    parts = part_names()
    found = [
        f"{path.relative_to(ROOT.parent)}:{line}: {text}"
        for face in FACES
        for path in sorted((ROOT / face).rglob("*.py"))
        for line, text in back_doors(path.read_text(encoding="utf-8"), parts)
    ]
    assert found == [], "faces reach below Project (add a delegation to Project instead):\n" + "\n".join(found)


def test_parts_are_not_callable() -> None:
    """``project.transcripts()`` was an alias of ``project.transcripts.transcripts()``: gone, a named
    method says what it lists."""
    from qualcode.project.codings import CodingPart
    from qualcode.project.suggestions import SuggestionPart
    from qualcode.project.transcripts import TranscriptPart

    for part in (CodingPart, SuggestionPart, TranscriptPart):
        assert "__call__" not in vars(part), part

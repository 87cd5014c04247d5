"""The code-tree walk, in one place (qualcode.codebook), and the modules that used to walk it
themselves: agreement, themes and retrieval, suggestion themes, the workbench's paths."""

from __future__ import annotations

from qualcode import codetree
from qualcode.agreement.units import CodeNode
from qualcode.agreement.units import descendants as agreement_descendants
from qualcode.analysis.themes import ancestors_map
from qualcode.analysis.themes import descendants as theme_descendants
from qualcode.records import CodeInfo
from qualcode.study import ExportCode
from qualcode.suggest.evaluate import top_level
from qualcode.tui.screens.codebook_actions import code_path, with_descendants

TREE = {"a": None, "a.x": "a", "a.x.y": "a.x", "a.z": "a", "b": None}


def test_ancestors_depth_path() -> None:
    assert codetree.ancestors(TREE, "a.x.y") == ["a.x", "a"]
    assert codetree.ancestors(TREE, "b") == []
    assert [codetree.depth(TREE, k) for k in TREE] == [0, 1, 2, 1, 0]
    assert codetree.path(TREE, "a.x.y") == ["a", "a.x", "a.x.y"]
    # a parent that is not in the map ends the walk (a code left out by a filter)
    assert codetree.path({"a.x": "a", "a.x.y": "a.x"}, "a.x.y") == ["a.x", "a.x.y"]


def test_descendants_whatever_the_order() -> None:
    below = codetree.descendants(dict(reversed(list(TREE.items()))))  # children before their parents
    assert below["a"] == {"a", "a.x", "a.x.y", "a.z"}
    assert below["a.x"] == {"a.x", "a.x.y"} and below["b"] == {"b"}


def test_themes_and_a_wrapping_root() -> None:
    assert codetree.themes(TREE) == {"a": "a", "a.x": "a", "a.x.y": "a", "a.z": "a", "b": "b"}
    wrapped = {"study": None, "study.a": "study", "study.a.x": "study.a", "study.b": "study"}
    assert codetree.themes(wrapped)["study.a.x"] == "study.a" and codetree.themes(wrapped)["study.b"] == "study.b"


def test_a_damaged_tree_with_a_cycle_ends() -> None:
    """A parent loop (a damaged import) must not hang or crash whoever walks the tree: the
    recursive copies of this walk raised RecursionError."""
    loop = {"a": "b", "b": "a", "c": None}
    assert codetree.ancestors(loop, "a") == ["b"]
    assert codetree.descendants(loop)["a"] == {"a", "b"}
    codes = [ExportCode(k, k.upper(), p, 0) for k, p in loop.items()]
    assert theme_descendants(codes)["c"] == {"c"}
    assert agreement_descendants([CodeNode(k, k, p, 0) for k, p in loop.items()])["b"] == {"a", "b"}


def test_every_walker_agrees_with_the_one_walk() -> None:
    codes = [ExportCode(k, k.upper(), p, codetree.depth(TREE, k)) for k, p in TREE.items()]
    assert theme_descendants(codes) == codetree.descendants(TREE)
    assert agreement_descendants([CodeNode(k, k, p, 0) for k, p in TREE.items()]) == codetree.descendants(TREE)
    assert ancestors_map(codes)["a.x.y"] == ("a.x.y", "a.x", "a")
    assert top_level(dict(TREE)) == codetree.themes(TREE)
    infos = [CodeInfo(i, k, k.upper(), p, codetree.depth(TREE, k), 0) for i, (k, p) in enumerate(TREE.items())]
    by_key = {c.key: c for c in infos}
    assert code_path(by_key["a.x.y"], by_key) == ["A", "A.X", "A.X.Y"]
    assert with_descendants("a.x", infos) == {"a.x", "a.x.y"}

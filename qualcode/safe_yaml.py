"""YAML for files other people write: the safe loader, with limits checked before anything is built.

PyYAML's safe loader still lets a few hundred bytes describe gigabytes (an "alias bomb": anchors
that refer to anchors, each use doubling or tripling the tree) and lets deep nesting end in a
``RecursionError``. Here the composer counts aliases and nesting as it reads, and the composed
node graph is measured (each distinct node once, so the measure itself stays small) before it is
turned into Python objects or walked. Tags outside YAML's own schema (``!!python/name:…``) are
refused with their line.
"""

from __future__ import annotations

import yaml

from qualcode.errors import QualcodeError
from qualcode.limits import MAX_YAML_ALIASES, MAX_YAML_DEPTH

MAX_YAML_NODES = 1_000_000  # nodes the document would have with every alias expanded
_STANDARD_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("null", "bool", "int", "float", "str", "seq", "map", "timestamp", "binary", "set", "omap", "pairs")
}
_STANDARD_TAGS.add("tag:yaml.org,2002:merge")


class YamlLimitError(yaml.YAMLError, QualcodeError):
    """A document over a limit; ``line`` is 1-based, or None. A ``yaml.YAMLError`` for the readers
    that catch YAML errors to add the file's name, and a ``QualcodeError`` where one escapes them."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.problem = message
        self.line = line


class LimitedSafeLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise YamlLimitError(f"more than {MAX_YAML_ALIASES} aliases ('*name')", mark.line + 1)
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlLimitError(f"nested more than {MAX_YAML_DEPTH} levels deep", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def check_graph(root: yaml.Node | None) -> None:
    """Refuse a composed document whose expanded size is over the limit, that refers to itself, or
    that uses a tag outside YAML's own schema."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # iterative post-order walk over distinct nodes: no recursion, each node measured once
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_YAML_NODES:
                raise YamlLimitError(
                    f"expands to more than {MAX_YAML_NODES:,} values through its aliases", node.start_mark.line + 1
                )
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YamlLimitError("an alias refers to the value that contains it", node.start_mark.line + 1)
        if node.tag not in _STANDARD_TAGS:
            raise YamlLimitError(f"the YAML tag {node.tag!r} is not allowed here", node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise YamlLimitError("an alias refers to the value that contains it", child.start_mark.line + 1)
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def compose(text: str) -> yaml.Node | None:
    """The checked node graph of one YAML document (raises ``yaml.YAMLError`` or ``YamlLimitError``)."""
    root = yaml.compose(text, Loader=LimitedSafeLoader)
    check_graph(root)
    return root


def load(text: str) -> object:
    """Python objects of one checked YAML document."""
    root = compose(text)
    if root is None:
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(root)
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. the date 2020-02-30
        raise YamlLimitError(f"a value cannot be read: {exc}", None) from None
    finally:
        loader.dispose()

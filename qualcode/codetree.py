"""The code tree, walked: one home for every walk over a code tree given as child -> parent (keys,
ids, whatever names a code): ancestors, depth, path, descendants, themes. A parent missing from
the map ends the walk, and so does a cycle (a damaged file must not hang a screen).

Plain functions on plain mappings, below every domain package, so that the codebook, agreement,
analysis and suggestions walk a tree the same way without importing each other.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def ancestors(parents: Mapping[K, K | None], key: K) -> list[K]:
    """``key``'s parent, its parent and so on up to the top: nearest first, without ``key``."""
    found: list[K] = []
    seen = {key}
    node = parents.get(key)
    while node is not None and node in parents and node not in seen:
        found.append(node)
        seen.add(node)
        node = parents.get(node)
    return found


def depth(parents: Mapping[K, K | None], key: K) -> int:
    """0 for a top-level code, 1 for its children, …"""
    return len(ancestors(parents, key))


def path(parents: Mapping[K, K | None], key: K) -> list[K]:
    """From the top of the tree down to ``key`` (``key`` last)."""
    return [*reversed(ancestors(parents, key)), key]


def descendants(parents: Mapping[K, K | None]) -> dict[K, set[K]]:
    """Every key -> the key itself and every key below it."""
    below: dict[K, set[K]] = {key: {key} for key in parents}
    for key in parents:
        for above in ancestors(parents, key):
            below[above].add(key)
    return below


def themes(parents: Mapping[K, K | None]) -> dict[K, K]:
    """Each code's theme: its top-level ancestor (itself for a top-level code). A tree whose codes
    all sit under one root (as imports from other tools often wrap them) has that root's children
    as its themes."""
    chains = {key: path(parents, key) for key in parents}
    roots = {chain[0] for chain in chains.values()}
    level = 1 if len(roots) == 1 and len(parents) > 1 else 0
    return {key: chain[level] if len(chain) > level else chain[-1] for key, chain in chains.items()}

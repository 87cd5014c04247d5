"""The codebook's tree as the suggester uses it: each code's theme (its top-level ancestor).

Evidence for a sub-code is evidence for its theme. When no code is confident enough to show,
the theme can be: "something about *Family*" is worth more to a researcher than nothing, and
more often right than any one of its sixty sub-codes (docs/suggestions.md has the figures).
Plain Python, no numpy: the project reads it when it builds a training payload.
"""

from __future__ import annotations

from qualcode import codetree


def top_level(parents: dict[str, str | None]) -> dict[str, str]:
    """Each code's theme, from code -> parent: its top-level ancestor (itself for a top-level
    code). A codebook whose codes all sit under one root (as imports from other tools often
    wrap them) has that root's children as its themes (``qualcode.codetree.themes``)."""
    return codetree.themes(parents)

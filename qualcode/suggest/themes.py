"""The codebook's tree as the suggester uses it: each code's theme (its top-level ancestor).

Evidence for a sub-code is evidence for its theme. When no code is confident enough to show,
the theme can be: "something about *Family*" is worth more to a researcher than nothing, and
more often right than any one of its sixty sub-codes (docs/suggestions.md has the figures).
Plain Python, no numpy: the project reads it when it builds a training payload.
"""

from __future__ import annotations


def top_level(parents: dict[str, str | None]) -> dict[str, str]:
    """Each code's theme, from code -> parent: its top-level ancestor (itself for a top-level
    code). A codebook whose codes all sit under one root (as imports from other tools often
    wrap them) has that root's children as its themes."""
    chain: dict[str, list[str]] = {}
    for code in parents:
        path, seen = [code], {code}
        while parents.get(path[-1]) and parents[path[-1]] not in seen:
            path.append(parents[path[-1]])  # type: ignore[arg-type]
            seen.add(path[-1])
        chain[code] = path
    roots = {path[-1] for path in chain.values()}
    depth = 2 if len(roots) == 1 and len(parents) > 1 else 1
    return {code: path[-depth] if len(path) >= depth else path[-1] for code, path in chain.items()}

"""Two groups side by side: per code, the share of each group's participants who mention it.

A group is a set of participants chosen by attribute values (``role=Headteacher``; several keys
and values combine as in retrieval). A participant *mentions* a code when the chosen coders applied
it, or a code below it, anywhere in one of their transcripts: a parent code rolls up its sub-codes,
counting each participant once, as theme tables do. ``n`` counts the group's participants who have
a transcript; the difference is A's share minus B's, in percentage points.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qualcode.analysis.retrieval import Study, Where, check_coders, check_where, describe_source, matches
from qualcode.errors import QualcodeError
from qualcode.study import ExportData


@dataclass(frozen=True)
class GroupSide:
    label: str
    n: int  # participants in the group with a transcript


@dataclass(frozen=True)
class ComparisonRow:
    key: str
    name: str
    depth: int
    rolls_up: int  # sub-codes included
    a_count: int
    b_count: int
    a_share: float  # 0..1 (0 when the group is empty)
    b_share: float

    @property
    def difference(self) -> float:
        """A's share minus B's, in percentage points."""
        return round(100 * (self.a_share - self.b_share), 1)


@dataclass
class Comparison:
    a: GroupSide
    b: GroupSide
    rows: list[ComparisonRow]
    source: str
    project: str = ""

    def notes(self) -> list[str]:
        return [
            f"Share of each group's participants who mention the code (or a code below it); source: {self.source}.",
            f"n = participants with a transcript: {self.a.label} {self.a.n}, {self.b.label} {self.b.n}. "
            "Difference = first group's share minus the second's, in percentage points.",
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "groups": [{"label": g.label, "participants": g.n} for g in (self.a, self.b)],
            "source": self.source,
            "codes": [
                {
                    "code": r.key,
                    "name": r.name,
                    "depth": r.depth,
                    "a": {"participants": r.a_count, "share": round(r.a_share, 4)},
                    "b": {"participants": r.b_count, "share": round(r.b_share, 4)},
                    "difference": r.difference,
                }
                for r in self.rows
            ],
        }


def group_label(where: Where) -> str:
    """ "Headteacher" for one attribute, "role = Headteacher and network = RLN" for several."""
    if len(where) == 1:
        return " or ".join(next(iter(where.values())))
    return " and ".join(f"{k} = {' or '.join(v)}" for k, v in where.items())


def compare_groups(
    data: ExportData,
    a: Where,
    b: Where,
    coders: Sequence[str] | None = None,
    labels: tuple[str, str] | None = None,
    study: Study | None = None,
) -> Comparison:
    if not a or not b:
        raise QualcodeError("name two groups, e.g. role=Headteacher and role=Teacher")
    study = study or Study(data)
    chosen_names = check_coders(data, coders)
    chosen = set(chosen_names)
    fa, fb = check_where(data, a), check_where(data, b)
    members_a: set[int] = set()
    members_b: set[int] = set()
    for t in data.transcripts:
        person = study.person(t.id)
        if person is None:
            continue
        if matches(person, fa):
            members_a.add(person.id)
        if matches(person, fb):
            members_b.add(person.id)
    mentions: dict[str, set[int]] = defaultdict(set)  # code -> participants (rolled up)
    for c in data.codings:
        if c.coder not in chosen:
            continue
        pid = study.person_of.get(c.transcript_id)
        if pid is None or (pid not in members_a and pid not in members_b):
            continue
        for key in study.up.get(c.code_key, (c.code_key,)):
            mentions[key].add(pid)
    na, nb = len(members_a), len(members_b)
    rows = []
    for code in data.codes:
        who = mentions.get(code.key, set())
        ca, cb = len(who & members_a), len(who & members_b)
        rows.append(
            ComparisonRow(
                code.key,
                code.name,
                code.depth,
                len(study.below[code.key]) - 1,
                ca,
                cb,
                ca / na if na else 0.0,
                cb / nb if nb else 0.0,
            )
        )
    la, lb = labels or (group_label(a), group_label(b))
    return Comparison(
        GroupSide(la, na), GroupSide(lb, nb), rows, describe_source(chosen_names, 0, not coders), data.project_name
    )

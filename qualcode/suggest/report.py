"""The evaluation as tables: rows for the terminal, Markdown for the benchmarks README."""

from __future__ import annotations

from qualcode.suggest.evaluate import LABELS, SYSTEMS, Evaluation, ranking_scores, roll_up, shown_at


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def overall_rows(ev: Evaluation) -> list[list[str]]:
    rows = []
    for s in SYSTEMS:
        r = ev.systems[s]
        if not r.available:
            rows.append([LABELS[s], *(["–"] * 6), r.note])
            continue
        rows.append(
            [LABELS[s], _f(r.p_at_1), _f(r.p_at_3), _f(r.r_at_3), _f(r.macro_f1), _f(r.micro_f1), _f(r.ece), r.note]
        )
    return rows


OVERALL_HEAD = ["system", "precision@1", "precision@3", "recall@3", "macro-F1", "micro-F1", "calibration error", "note"]


def per_code_rows(ev: Evaluation) -> list[list[str]]:
    rows = []
    for code in ev.codes:
        support = ev.systems["keywords"].per_code[code]["support"]
        if not support:
            continue
        rows.append(
            [code, str(support)]
            + [_f(ev.systems[s].per_code[code]["f1"]) if ev.systems[s].available else "–" for s in SYSTEMS]
        )
    return rows


PER_CODE_HEAD = ["code", "coded segments"] + [f"F1 {s}" for s in SYSTEMS]


def markdown_table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def level_rows(ev: Evaluation, theme_of: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    """Precision@1 and recall@3 of every system at leaf level and at theme level (each code
    rolled up to its theme, a theme scored by its best code)."""
    assert ev.truth is not None and ev.mask is not None
    themes = sorted({theme_of.get(c, c) for c in ev.codes})
    head = [
        "system",
        f"leaf precision@1 ({len(ev.codes)} codes)",
        "leaf recall@3",
        f"theme precision@1 ({len(themes)} themes)",
        "theme recall@3",
    ]
    rows = []
    for s in SYSTEMS:
        if not ev.systems[s].available:
            continue
        scores = ev.predictions[s]
        s2, y2, m2, _ = roll_up(scores, ev.truth, ev.mask, ev.codes, theme_of)
        p1, r3 = ranking_scores(s2, y2, m2)
        rows.append([LABELS[s], _f(ev.systems[s].p_at_1), _f(ev.systems[s].r_at_3), _f(p1), _f(r3)])
    return head, rows


SHOWN_HEAD = [
    "what is shown",
    "at score",
    "segments shown a suggestion",
    "coded segments shown one",
    "suggestions shown",
    "of them right",
]


def shown_rows(ev: Evaluation, theme_of: dict[str, str], thresholds: list[float]) -> list[list[str]]:
    """What a coder would see (keywords + model, out of fold): codes only, and codes or else
    their theme, at each score; 'right' means applied (for a theme: one of its codes)."""
    rows = []
    for themes in (False, True):
        if themes and not ev.theme_scores:
            continue
        for t in thresholds:
            s = shown_at(ev, theme_of, t, themes=themes)
            rows.append(
                [
                    s.policy,
                    f"{t:.0%}",
                    f"{s.with_suggestion} of {s.segments}",
                    f"{s.coded_with_suggestion} of {s.coded}",
                    str(s.shown) + (f" ({s.themes_shown} themes)" if s.themes_shown else ""),
                    f"{s.right} ({s.precision:.0%})" if s.shown else "–",
                ]
            )
    return rows


def evaluation_tables(
    ev: Evaluation,
    per_code: bool = False,
    theme_of: dict[str, str] | None = None,
    shown: list[float] | None = None,
) -> list[tuple[list[str], list[list[str]]]]:
    """(head, rows) of the overall table, of leaf against theme level when the codebook's tree
    is given (and what a coder would be shown at the ``shown`` scores), and of the per-code
    table when asked for."""
    tables = [(OVERALL_HEAD, overall_rows(ev))]
    if theme_of is not None:
        tables.append(level_rows(ev, theme_of))
        if shown and ev.systems["combined"].available:
            tables.append((SHOWN_HEAD, shown_rows(ev, theme_of, shown)))
    if per_code:
        tables.append((PER_CODE_HEAD, per_code_rows(ev)))
    return tables

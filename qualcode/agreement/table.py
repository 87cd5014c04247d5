"""Agreement for a coding table made elsewhere: a CSV of unit, coder, value (value may be empty).

Plain data in, plain text out: read the table into a units-by-coders array, compute every
measure, and word the results as CSV, JSON or a Markdown table.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qualcode.agreement.measures import AgreementResult, compute_all
from qualcode.agreement.report import LABELS
from qualcode.errors import InputError
from qualcode.ingest.sources import decode_text, read_source


@dataclass(frozen=True)
class TableAgreement:
    """Every measure for one coding table."""

    source: str
    units: tuple[str, ...]
    coders: tuple[str, ...]
    level: str
    categories: int | None
    results: tuple[AgreementResult, ...]


def read_table(path: Path, level: str) -> tuple[list[str], list[str], np.ndarray]:
    """(units, coders, units-by-coders values) from the CSV; a missing value is None (NaN for numbers)."""
    text = decode_text(read_source(path, what="coding table"))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not {"unit", "coder", "value"} <= set(header):
        raise InputError(f"{path}:1", "a coding table needs the columns unit, coder, value")
    reader.fieldnames = header
    units: dict[str, int] = {}
    coders: dict[str, int] = {}
    cells: dict[tuple[int, int], object] = {}
    numeric = level != "nominal"
    for row in reader:
        u = units.setdefault(row["unit"].strip(), len(units))
        c = coders.setdefault(row["coder"].strip(), len(coders))
        raw = (row["value"] or "").strip()
        if not raw:
            continue
        if numeric:
            try:
                value: object = float(raw)
            except ValueError:
                raise InputError(f"{path}:{reader.line_num}", f"{level} alpha needs numbers, not {raw!r}") from None
        else:
            value = raw
        if (u, c) in cells and cells[(u, c)] != value:
            raise InputError(
                f"{path}:{reader.line_num}", f"coder {row['coder']!r} gives unit {row['unit']!r} two different values"
            )
        cells[(u, c)] = value
    if len(coders) < 2:
        raise InputError(str(path), "the table needs values from at least two coders")
    data = np.full((len(units), len(coders)), None, dtype=object)
    for (u, c), value in cells.items():
        data[u, c] = value
    if numeric:
        data = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    return list(units), list(coders), data


def table_agreement(path: Path, level: str = "nominal", categories: int | None = None) -> TableAgreement:
    """Every agreement measure for the coding table at ``path``."""
    units, coders, data = read_table(path, level)
    results = compute_all(data, n_categories=categories, level=level)
    return TableAgreement(str(path), tuple(units), tuple(coders), level, categories, tuple(results))


def render_table_agreement(report: TableAgreement, fmt: str) -> str:
    """The results as ``json``, ``csv`` or a Markdown table (any other ``fmt``)."""
    results = report.results
    if fmt == "json":
        return (
            json.dumps(
                {
                    "source": report.source,
                    "units": len(report.units),
                    "coders": list(report.coders),
                    "level": report.level,
                    "categories": report.categories,
                    "results": [
                        r.__dict__ | {"marginals": {str(k): v for k, v in r.marginals.items()}} for r in results
                    ],
                },
                indent=2,
                ensure_ascii=False,
                default=str,
            )
            + "\n"
        )
    lines = []
    if fmt == "csv":
        lines.append("measure,value,undefined_reason,units,units_used,pairable,alpha_dropped_single")
        for r in results:
            value = "" if r.value is None else repr(r.value)
            lines.append(
                f"{r.measure},{value},{r.reason or ''},{r.n_units},{r.n_units_used},{r.n_pairable},{r.dropped_single}"
            )
        return "\n".join(lines) + "\n"
    marg = ", ".join(f"{k}: {v}" for k, v in results[0].marginals.items())
    lines += [
        f"source: {report.source}",
        f"coders: {', '.join(report.coders)}; units: {len(report.units)}; level: {report.level}; "
        f"categories in the scheme: {report.categories or 'not given'}",
        f"marginals: {marg}",
        f"percent agreement: {results[0].definition}",
        "",
    ]
    lines += ["| measure | value | units used | pairable values | note |", "|---|---:|---:|---:|---|"]
    for r in results:
        value = "undefined" if r.value is None else f"{r.value:.4f}"
        note = r.reason or (
            f"{r.dropped_single} units with a single value dropped"
            if r.dropped_single and r.measure == "krippendorff_alpha"
            else ""
        )
        lines.append(f"| {LABELS[r.measure]} | {value} | {r.n_units_used} | {r.n_pairable} | {note} |")
    return "\n".join(lines) + "\n"

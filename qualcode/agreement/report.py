"""Agreement reports: per code, per transcript and overall, reproducible, in four formats.

A report names everything needed to reproduce it: the coders, the unit, the codebook version,
the transcripts compared (and those left out, with the reason), the percent-agreement definition
and a hash of exactly the codings it used.
"""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qualcode import __version__
from qualcode.agreement import measures
from qualcode.agreement.units import ReliabilityData
from qualcode.cells import SafeDictWriter

MEASURES_2 = ("percent", "cohen_kappa", "scott_pi", "fleiss_kappa", "krippendorff_alpha", "brennan_prediger")
MEASURES_N = ("percent", "fleiss_kappa", "krippendorff_alpha", "brennan_prediger")
LABELS = {
    "percent": "% agree",
    "cohen_kappa": "Cohen κ",
    "scott_pi": "Scott π",
    "fleiss_kappa": "Fleiss κ",
    "krippendorff_alpha": "Kripp. α",
    "brennan_prediger": "B–P κ",
}
SORT_MEASURE = "krippendorff_alpha"


@dataclass
class Row:
    key: str
    label: str
    depth: int
    results: dict[str, measures.AgreementResult]
    n_units: int
    rolled_up: bool = False
    transcript: str | None = None


@dataclass
class Report:
    coders: tuple[str, ...]
    unit: str
    codebook_version: int
    codings_hash: str
    transcripts: list[str]
    skipped: dict[str, list[str]]
    by_code: list[Row]
    by_transcript: list[Row]
    pooled: Row
    mean: dict[str, tuple[float | None, int, int]]  # measure -> (mean, n averaged, n left out)
    measure_names: tuple[str, ...]
    percent_definition: str = ""
    notes: list[str] = field(default_factory=list)


def _stack(
    arrays: list[np.ndarray], weights: list[np.ndarray | None], n_coders: int
) -> tuple[np.ndarray, np.ndarray | None]:
    values = np.concatenate(arrays) if arrays else np.zeros((0, n_coders))
    if all(w is None for w in weights):
        return values, None
    return values, np.concatenate(
        [w if w is not None else np.ones(len(a), dtype=np.int64) for a, w in zip(arrays, weights)]
    )


def _n(values: np.ndarray, weights: np.ndarray | None) -> int:
    """Units in the report's own terms: segments, or characters at the character level."""
    return int(weights.sum()) if weights is not None else int(values.shape[0])


def _results(
    values: np.ndarray, weights: np.ndarray | None, names: tuple[str, ...]
) -> dict[str, measures.AgreementResult]:
    found = measures.compute_all(values, n_categories=2, weights=weights)
    by_name = {r.measure: r for r in found}
    return {name: by_name[name] for name in names if name in by_name}


def build_report(data: ReliabilityData, codebook_version: int, order: str = "codebook") -> Report:
    names = MEASURES_2 if len(data.coders) == 2 else MEASURES_N
    by_code = []
    if data.unit == "segment" and data.codes:
        # Every code has the same units at the segment level: one vectorised pass for all codes.
        stacked = np.stack([data.values[c.key] for c in data.codes])
        per_code = [{r.measure: r for r in found} for found in measures.binary_per_code(stacked, n_categories=2)]
    else:
        per_code = [
            {
                r.measure: r
                for r in measures.compute_all(data.values[c.key], n_categories=2, weights=data.weights[c.key])
            }
            for c in data.codes
        ]
    for code, found in zip(data.codes, per_code):
        values, weights = data.values[code.key], data.weights[code.key]
        results = {name: found[name] for name in names if name in found}
        by_code.append(Row(code.key, code.name, code.depth, results, _n(values, weights), code.key in data.rolled_up))
    if order == "worst":

        def badness(row: Row) -> float:
            r = row.results.get(SORT_MEASURE)
            return r.value if r is not None and r.value is not None else math.inf

        by_code.sort(key=badness)
    leaves = [c.key for c in data.codes if c.key not in data.rolled_up]
    by_transcript = []
    for tid, name in data.transcripts.items():
        arrays: list[np.ndarray] = []
        array_weights: list[np.ndarray | None] = []
        for key in leaves:
            mask = data.unit_transcript[key] == tid
            arrays.append(data.values[key][mask])
            w = data.weights[key]
            array_weights.append(w[mask] if w is not None else None)
        values, w = _stack(arrays, array_weights, len(data.coders))
        by_transcript.append(Row(name, name, 0, _results(values, w, names), _n(values, w), transcript=name))
    values, w = _stack([data.values[k] for k in leaves], [data.weights[k] for k in leaves], len(data.coders))
    pooled = Row("(pooled)", "all codes pooled", 0, _results(values, w, names), _n(values, w))
    mean = {}
    leaf_rows = [r for r in by_code if not r.rolled_up]
    for name in names:
        avg = measures.average([r.results[name] for r in leaf_rows if name in r.results])
        mean[name] = (avg.value, avg.n_averaged, avg.n_left_out)
    definition = next((r.definition for r in pooled.results.values() if r.measure == "percent" and r.definition), "")
    return Report(
        data.coders,
        data.unit,
        codebook_version,
        data.codings_hash,
        list(data.transcripts.values()),
        data.skipped_transcripts,
        by_code,
        by_transcript,
        pooled,
        mean,
        names,
        definition,
    )


# ---------------------------------------------------------------------- rendering


def _fmt(result: measures.AgreementResult | None) -> str:
    if result is None:
        return ""
    if result.value is None:
        return "undef."
    if result.measure == "percent":
        return f"{100 * result.value:.1f}%"
    return f"{result.value:.3f}"


def header_lines(report: Report) -> list[str]:
    lines = [
        f"coders: {', '.join(report.coders)}",
        f"unit: {report.unit} ({'each segment, present/absent per code' if report.unit == 'segment' else 'each character inside a segment, weighted by length'})",
        f"codebook version: {report.codebook_version}",
        f"codings used: sha256 {report.codings_hash}",
        f"transcripts compared ({len(report.transcripts)}): {', '.join(report.transcripts) or 'none'}",
    ]
    for name, coders in sorted(report.skipped.items()):
        lines.append(f"left out: {name} (not coded by {', '.join(coders)})")
    if report.percent_definition:
        lines.append(f"percent agreement: {report.percent_definition}")
    lines.append("parent codes count a segment when the parent or any code below it was applied (marked ^)")
    lines.append(f"qualcode {__version__}")
    return lines


def _detail(row: Row) -> str:
    r = row.results.get("krippendorff_alpha") or next(iter(row.results.values()), None)
    if r is None:
        return ""
    parts = [f"pairable {r.n_pairable}"]
    if r.marginals:
        parts.append(
            "marginals " + " ".join(f"{k}:{v}" for k, v in sorted(r.marginals.items(), key=lambda kv: str(kv[0])))
        )
    if r.dropped_single:
        parts.append(f"α dropped {r.dropped_single}")
    undefined = [f"{LABELS[m]}: {x.reason}" for m, x in row.results.items() if x.value is None and x.reason]
    if undefined:
        parts.append("; ".join(sorted(set(undefined))))
    return ", ".join(parts)


def as_records(report: Report) -> list[dict[str, Any]]:
    out = []
    for section, rows in (("code", report.by_code), ("transcript", report.by_transcript), ("overall", [report.pooled])):
        for row in rows:
            record = {
                "section": section,
                "key": row.key,
                "label": row.label,
                "depth": row.depth,
                "rolled_up": row.rolled_up,
                "units": row.n_units,
            }
            for name in report.measure_names:
                r = row.results.get(name)
                record[name] = r.value if r is not None else None
                if r is not None and r.value is None:
                    record[f"{name}_undefined"] = r.reason
            any_result = row.results.get("krippendorff_alpha") or next(iter(row.results.values()), None)
            if any_result is not None:
                record["pairable"] = any_result.n_pairable
                record["marginals"] = {str(k): v for k, v in any_result.marginals.items()}
                record["alpha_dropped_single"] = any_result.dropped_single
            out.append(record)
    return out


def render_json(report: Report) -> str:
    return json.dumps(
        {
            "coders": list(report.coders),
            "unit": report.unit,
            "codebook_version": report.codebook_version,
            "codings_sha256": report.codings_hash,
            "transcripts": report.transcripts,
            "left_out": report.skipped,
            "percent_definition": report.percent_definition,
            "mean_of_codes": {
                k: {"value": v, "averaged": n, "left_out_undefined": m} for k, (v, n, m) in report.mean.items()
            },
            "rows": as_records(report),
            "qualcode": __version__,
        },
        indent=2,
        ensure_ascii=False,
        default=str,
    )


def render_csv(report: Report) -> str:
    buf = io.StringIO()
    records = as_records(report)
    columns = [
        "section",
        "key",
        "label",
        "depth",
        "rolled_up",
        "units",
        "pairable",
        *report.measure_names,
        "alpha_dropped_single",
    ]
    writer = SafeDictWriter(buf, fieldnames=columns, extrasaction="ignore")
    for line in header_lines(report):
        buf.write(f"# {line}\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: ("" if record.get(k) is None else record.get(k)) for k in columns})
    return buf.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md_escape(text: str) -> str:
    """Names as literal Markdown: no table cell broken by ``|``, no raw HTML, link or emphasis
    made from a code or transcript name (the rule of :func:`qualcode.export.render.md_escape`)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render_markdown(report: Report) -> str:
    lines = ["# Inter-coder agreement", ""]
    lines += [f"- {_md_escape(line)}" for line in header_lines(report)]
    heads = [LABELS[m] for m in report.measure_names]
    for title, rows in (("Per code", report.by_code), ("Per transcript", report.by_transcript)):
        lines += [
            "",
            f"## {title}",
            "",
            "| " + " | ".join(["code" if title == "Per code" else "transcript", "units", *heads, "details"]) + " |",
            "|" + "---|" + "---:|" * (1 + len(heads)) + "---|",
        ]
        for row in rows:
            label = ("&nbsp;&nbsp;" * row.depth) + _md_escape(row.label) + (" ^" if row.rolled_up else "")
            if title == "Per code":
                label += f" `{row.key}`"
            cells = [
                label,
                str(row.n_units),
                *[_fmt(row.results.get(m)) for m in report.measure_names],
                _md_escape(_detail(row)),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Overall", "", "| | units | " + " | ".join(heads) + " |", "|---|---:|" + "---:|" * len(heads)]
    lines.append(
        "| pooled (all leaf codes) | "
        + str(report.pooled.n_units)
        + " | "
        + " | ".join(_fmt(report.pooled.results.get(m)) for m in report.measure_names)
        + " |"
    )
    mean_cells = []
    for m in report.measure_names:
        value, n, left = report.mean[m]
        mean_cells.append(
            ("undef." if value is None else (f"{100 * value:.1f}%" if m == "percent" else f"{value:.3f}"))
            + (f" ({left} undef. left out)" if left else "")
        )
    lines.append("| mean of leaf codes | | " + " | ".join(mean_cells) + " |")
    return "\n".join(lines) + "\n"

"""A sweep's runs folded over their seeds: per (scenario, policy, probe, link models), each
figure's mean and 95 % confidence interval, and the mean timeline.

The interval is Student's t: mean ± t(0.975, n - 1) × s / √n, from the runs' sample standard
deviation s. The t quantiles are the standard table's (df 1-30, 40, 60, 120; between those,
interpolated in 1/df; beyond, the normal quantile): one function of scipy, not worth its size
(docs/decisions.md). One run gives no interval (low = high = the value).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from typing import Any

FIGURES = ("path_changes", "out_of_sla_s", "out_of_sla_high_s", "metered_mb", "metered_cost_cny",
           "lte_month_cost_cny", "switched", "mean_time_to_detect_s",
           "mean_time_to_switch_s")  # fmt: skip
"""The row figures a group summarizes."""

_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
         9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
         17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064,
         25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000,
         120: 1.980}  # fmt: skip


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom (df >= 1)."""
    if df < 1:
        raise ValueError("df must be at least 1")
    if df in _T975:
        return _T975[df]
    if df > 120:
        return statistics.NormalDist().inv_cdf(0.975)
    lo = max(k for k in _T975 if k < df)
    hi = min(k for k in _T975 if k > df)
    w = (1 / lo - 1 / df) / (1 / lo - 1 / hi)
    return _T975[lo] + w * (_T975[hi] - _T975[lo])


def interval(values: list[float]) -> dict[str, float | int]:
    """Mean and 95 % confidence interval of the runs' values."""
    n = len(values)
    mean = statistics.fmean(values)
    half = t975(n - 1) * statistics.stdev(values) / math.sqrt(n) if n > 1 else 0.0
    return {"n": n, "mean": round(mean, 3), "low": round(mean - half, 3),
            "high": round(mean + half, 3)}  # fmt: skip


def shown(figure: dict[str, Any] | None) -> str:
    """A figure as tables show it: `mean [low, high]`, the mean alone for one run, `-` for
    none."""
    if figure is None:
        return "-"
    if figure["n"] == 1:
        return f"{figure['mean']:g}"
    return f"{figure['mean']:g} [{figure['low']:g}, {figure['high']:g}]"


def groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (scenario, policy, probe, link models), in that order: its runs' figures over the
    seeds."""
    by_cell: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = (row["scenario"], row["policy"], row.get("probe", "scenario"),
               row.get("links", "scenario"))  # fmt: skip
        by_cell[key].append(row)
    out = []
    for (scenario, policy, probe, links), runs in sorted(by_cell.items()):
        figures = {}
        for name in FIGURES:
            values = [float(r[name]) for r in runs if r.get(name) is not None]
            figures[name] = interval(values) if values else None
        out.append({"scenario": scenario, "policy": policy, "probe": probe, "links": links,
                    "runs": len(runs),
                    "seeds": sorted(r["seed"] for r in runs), "figures": figures,
                    "timeline": _mean_timeline(runs)})  # fmt: skip
    return out


def _mean_timeline(runs: list[dict[str, Any]]) -> dict[str, list[float]] | None:
    lines = [r["timeline"] for r in runs if r.get("timeline")]
    if not lines:
        return None
    values = zip(*(line["out_of_sla_pairs"] for line in lines), strict=True)
    return {"t_s": lines[0]["t_s"],
            "out_of_sla_pairs": [round(statistics.fmean(v), 3) for v in values]}  # fmt: skip

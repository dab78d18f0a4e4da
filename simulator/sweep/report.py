"""One comparison report of a sweep: the variants side by side (each figure's mean over the seeds
with its 95 % interval), and per scenario the variants' timelines of what was out of SLA
overlaid in one plot. HTML with its PNGs beside it; no request leaves the page."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from simulator.plots import save
from simulator.report import STYLE
from simulator.sweep.stats import FIGURES, shown

LABELS = {
    "path_changes": "path changes",
    "out_of_sla_s": "app-seconds out of SLA",
    "out_of_sla_high_s": "of high-priority apps",
    "metered_mb": "metered MB (LTE)",
    "metered_cost_cny": "metered cost (CNY, per GB)",
    "lte_month_cost_cny": "LTE a month under the data plan (CNY)",
    "switched": "apps switched by faults",
    "mean_time_to_detect_s": "mean time to detect (s)",
    "mean_time_to_switch_s": "mean time to switch (s)",
}


def _variant(group: dict[str, Any]) -> str:
    links = group.get("links", "scenario")
    tail = "" if links == "scenario" else f" / {links}"
    return f"{group['policy']} / {group['probe']}{tail}"


def write_sweep_report(doc: dict[str, Any], path: Path) -> Path:
    """Write the report to `path` (HTML) and its plots beside it; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = [
        "<h1>Sweep</h1>",
        f"<p>{len(doc['rows'])} runs: {len(doc['scenarios'])} scenarios x "
        f"{len(doc['policies'])} policies x {len(doc['probes'])} probe settings x "
        f"{len(doc.get('link_models', ['scenario']))} link models x {doc['seeds']} seeds. "
        "Each cell: the mean over the seeds and, with more than one seed, its 95 % confidence "
        "interval [low, high] (Student's t).</p>",
    ]
    by_scenario: dict[str, list[dict[str, Any]]] = {}
    for group in doc["groups"]:
        by_scenario.setdefault(group["scenario"], []).append(group)
    for k, (scenario, groups) in enumerate(by_scenario.items()):
        parts.append(f"<h2>{escape(scenario)}</h2>")
        head = "".join(f"<th>{escape(_variant(g))}</th>" for g in groups)
        body = "".join(
            f"<tr><td>{escape(LABELS.get(name, name))}</td>"
            + "".join(f"<td>{escape(shown(g['figures'].get(name)))}</td>" for g in groups)
            + "</tr>"
            for name in FIGURES
        )
        corner = "policy / probe / links" if any(g.get("links", "scenario") != "scenario"
                                                 for g in groups) else "policy / probe"  # fmt: skip
        parts.append(f"<table><tr><th>{corner}</th>{head}</tr>{body}</table>")
        image = f"{path.stem}-{k}.png"
        if _timelines(scenario, groups, path.parent / image):
            parts.append(f'<p><img src="{escape(image)}" alt="{escape(scenario)} timelines"></p>')
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Sweep</title>"
        f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n"
    )
    path.write_text(html, encoding="utf-8")
    return path


def _timelines(scenario: str, groups: list[dict[str, Any]], path: Path) -> bool:
    """One plot of the variants' mean timelines; False when no run kept one."""
    lines = [(g, g["timeline"]) for g in groups if g.get("timeline")]
    if not lines:
        return False
    fig = Figure(figsize=(10, 3.2))
    ax = fig.subplots()
    for group, line in lines:
        minutes = [t / 60.0 for t in line["t_s"]]
        ax.step(minutes, line["out_of_sla_pairs"], where="post", label=_variant(group), lw=1.2)
    ax.set_xlabel("minutes from the start")
    ax.set_ylabel("(branch, app) out of SLA")
    ax.set_title(f"{scenario}: out of SLA over time, mean over the seeds")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save(fig, path)
    return True

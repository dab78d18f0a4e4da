"""The HTML report: summary tables and the PNG plots, one self-contained folder."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from simulator.plots import network_figure, site_figure
from simulator.world import World

STYLE = """body{font-family:sans-serif;margin:2em;max-width:1100px}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;
text-align:right}th{background:#eee}td:first-child{text-align:left}img{max-width:100%}"""


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(r.get(c)))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return "-" if value is None else str(value)


def _capacity(capacity: dict[str, Any]) -> str:
    rows = capacity["above_upper"]
    summary = (
        f"<p>{capacity['links_above_upper']} of {capacity['links']} branch links above their "
        f"upper threshold at some time; {capacity['upgrades']} upgrades bring the 95th "
        f"percentile under it (demand x {capacity['growth_factor']:g} for growth, "
        f"{capacity['multipliers']} multipliers, {capacity['capacity_overrides']} bandwidth "
        "overrides). The 20 longest:</p>"
    )
    columns = ["site", "link", "role", "capacity_mbps", "upper", "above_upper_s",
               "p95_utilization", "max_utilization", "headroom_mbps", "upgrade_mbps"]  # fmt: skip
    table = _table(rows[:20], columns) if rows else ""
    if not rows:
        summary = summary.replace(" The 20 longest:", "")
    return summary + table + _lte(capacity.get("lte_plan"))


def _lte(lte: dict[str, Any] | None) -> str:
    if lte is None:
        return ""
    plan = lte["plan"]
    head = (
        f"<p>LTE data plan: {plan['monthly_fee_cny']:g} CNY a month with "
        f"{plan['included_gb']:g} GB, {plan['over_cny_per_gb']:g} CNY per GB beyond. At this "
        f"run's rate, {lte['sites_over_cap']} of {lte['sites']} branches with LTE go over it; "
        f"{lte['month_cost_cny']:g} CNY a month in all. The 20 dearest:</p>"
    )
    return head + _table(lte["by_site"][:20], ["site", "month_gb", "over_cap_gb", "month_cost_cny"])


def write_report(results: dict[str, Any], world: World, outdir: Path) -> Path:
    """Write report.html and its PNGs into `outdir`; return the HTML path."""
    outdir.mkdir(parents=True, exist_ok=True)
    images = ["network-sla.png"]
    network_figure(world, outdir / images[0])
    for j, site in enumerate(results["watched"]):
        name = f"site-{site}.png"
        site_figure(world, j, outdir / name)
        images.append(name)
    sc = results["scenario"]
    worst = sorted(results["sites"], key=lambda s: (-s["out_of_sla_s"], s["site"]))[:20]
    parts = [
        f"<h1>Simulation: {escape(sc['name'])}</h1>",
        f"<p>{sc['branches']} branches, {sc['links']} links, {sc['duration_s']:g} s at "
        f"{sc['tick_s']:g} s ticks, seed {sc['seed']}; probes every "
        f"{sc['probe']['interval_s']:g} s x {sc['probe']['multiplier']} "
        f"({escape(sc['probe']['source'])}): a failure is detected "
        f"{sc['probe']['detect_range_s'][0]:g}-{sc['probe']['detect_range_s'][1]:g} s after it, "
        f"loss, latency and jitter averaged over {sc['probe']['window_s']:g} s of probes every "
        f"{sc['probe']['poll_s']:g} s; predictive return "
        f"{'on' if sc['predictive_return'] else 'off'}.</p>",
        "<p>Worst case by the policy linter with these probes (the faults' times below are to "
        "be read against it): "
        + escape(
            ", ".join(
                f"{k.removesuffix('_s').replace('_', ' ')} {v:g} s"
                for k, v in sc["probe"]["worst_case"].items()
            )
        )
        + ".</p>",
        "<h2>Totals</h2>",
        _table([results["totals"]], list(results["totals"])),
        "<h2>Applications</h2>",
        _table(results["applications"], list(results["applications"][0])),
        "<h2>Faults: time to detect and to switch</h2>",
        _table(
            results["faults"],
            [
                "index",
                "kind",
                "at_s",
                "duration_s",
                "links_hit",
                "outages",
                "outages_detected",
                "outages_missed",
                "time_to_detect_s",
                "apps_caught",
                "switched",
                "stayed",
                "time_to_switch_s",
                "high_priority_time_to_switch_s",
            ],
        )
        if results["faults"]
        else "<p>No faults.</p>",
        "<h2>Faults: applications out of SLA while each lasted</h2>",
        _table(
            [
                {"index": f["index"], "kind": f["kind"], **row}
                for f in results["faults"]
                for row in f["out_of_sla_while_it_lasted"][:5]
            ],
            ["index", "kind", "app", "priority", "out_of_sla_s", "branches"],
        )
        if any(f["out_of_sla_while_it_lasted"] for f in results["faults"])
        else "<p>No application was out of SLA during a fault.</p>",
        "<h2>Hub links</h2>",
        _table(
            results["hub_links"],
            ["hub", "link", "capacity_mbps", "max_utilization", "over_capacity_s"],
        ),
        "<h2>Capacity: links whose applications wanted more than their upper threshold</h2>",
        _capacity(results["capacity"]),
        "<h2>Branches with the most time out of SLA</h2>",
        _table(
            worst,
            [
                "site",
                "branch_class",
                "path_changes",
                "out_of_sla_s",
                "out_of_sla_high_s",
                "metered_mb",
                "metered_cost_cny",
                "max_utilization",
            ],
        ),
        "<h2>Plots</h2>",
        *(f'<p><img src="{escape(i)}" alt="{escape(i)}"></p>' for i in images),
        "<p>Per-branch results for every branch are in results.json.</p>",
    ]
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(sc['name'])}</title>"
        f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n"
    )
    path = outdir / "report.html"
    path.write_text(html, encoding="utf-8")
    return path

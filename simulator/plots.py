"""PNG plots of a run (matplotlib, Agg backend: no display needed).

Per watched branch: utilization of each link against the 70 %/50 % thresholds with every path
change marked, and the SLA timeline of each application. For the network: (branch, app) pairs
out of SLA over time, per SLA class. Long runs are binned to ~3,000 points (the maximum of each
bin, so a one-second spike still shows).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # before pyplot: never look for a display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from policies.compiled import FloatArray
from simulator.world import World

MAX_POINTS = 3000
_RULE_COLOUR = {"offload": "tab:orange", "return": "tab:green", "return-literal": "tab:red"}
_OTHER = "tab:purple"  # failover, recovery and SLA moves


def _axis(world: World) -> tuple[FloatArray, str, float]:
    span = len(world.times) * world.dt
    unit, scale = ("h", 3600.0) if span > 3 * 3600 else ("min", 60.0)
    return world.times / scale, unit, scale


def _binned(values: np.ndarray, times: FloatArray) -> tuple[FloatArray, np.ndarray]:
    n = len(times)
    size = max(1, -(-n // MAX_POINTS))
    if size == 1:
        return times, values
    cut = n - n % size
    head = values[:cut].reshape(cut // size, size, *values.shape[1:]).max(axis=1)
    return times[:cut:size], head


def site_figure(world: World, j: int, path: Path) -> None:
    """Utilization and SLA timeline of watched branch j."""
    rec, net = world.rec, world.net
    s = int(rec.watched[j])
    site = net.spokes[s]
    t, unit, scale = _axis(world)
    apps = [a.name for a in net.network.apps]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(11, 7.5), sharex=True, gridspec_kw={"height_ratios": [1.1, 1]}
    )
    tb, util = _binned(rec.util_hist[:, j, :], t)
    for k, link in enumerate(site.links):
        top.plot(
            tb,
            util[:, k],
            lw=1.0,
            label=f"{link.id} ({link.role.value}, {link.down_mbps:g} Mbit/s)",
        )
    upper = world.engine.policy.utilization
    role = site.links[0].role
    top.axhline(upper[role].upper, color="black", ls="--", lw=0.8)
    top.axhline(upper[role].lower, color="grey", ls=":", lw=0.8)
    top.text(
        t[-1],
        upper[role].upper,
        f" upper {upper[role].upper:.0%}",
        va="bottom",
        ha="right",
        fontsize=8,
    )
    top.text(
        t[-1],
        upper[role].lower,
        f" lower {upper[role].lower:.0%}",
        va="top",
        ha="right",
        fontsize=8,
    )
    moves = [m for m in rec.moves if m.site == j]
    for m in moves:
        colour = _RULE_COLOUR.get(m.rule, _OTHER)
        top.plot(m.t / scale, 1.04, marker="v", color=colour, ms=5, clip_on=False)
    for _, start, hit in rec.fault_spans:
        if hit.size and hit[j].any():
            top.axvline(start / scale, color="tab:red", lw=0.8, alpha=0.6)
    top.set_ylim(0, 1.08)
    top.set_ylabel("utilization")
    top.set_title(f"{site.id}: utilization, thresholds and path changes ({len(moves)} moves)")
    handles, _labels = top.get_legend_handles_labels()
    handles += [
        Line2D([], [], marker="v", ls="", color=c, label=f"path change: {r}")
        for r, c in (*_RULE_COLOUR.items(), ("failover/other", _OTHER))
    ]
    top.legend(handles=handles, loc="lower right", fontsize=7, ncol=2, framealpha=0.9)
    tb, out = _binned(rec.out_hist[:, j, :], t)
    step = (tb[1] - tb[0]) if len(tb) > 1 else 1.0
    for a in range(len(apps)):
        runs = _runs(out[:, a])
        bottom.broken_barh(
            [(tb[i0], (i1 - i0) * step) for i0, i1 in runs], (a - 0.4, 0.8), color="tab:red"
        )
    bottom.set_yticks(range(len(apps)), apps, fontsize=7)
    bottom.invert_yaxis()
    bottom.set_xlabel(f"time since start ({unit})")
    bottom.set_title("out of SLA (red)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], flags.astype(bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def network_figure(world: World, path: Path) -> None:
    """(branch, app) pairs out of SLA over time, one line per SLA class."""
    t, unit, _ = _axis(world)
    tb, counts = _binned(world.rec.class_out, t)
    fig, ax = plt.subplots(figsize=(11, 3.8))
    for c, sla in enumerate(world.net.network.sla_classes):
        ax.plot(tb, counts[:, c], lw=1.0, label=sla.name)
    ax.set_xlabel(f"time since start ({unit})")
    ax.set_ylabel("(branch, app) out of SLA")
    ax.set_title(
        f"Network: applications out of SLA, by SLA class ({len(world.net.spokes)} branches)"
    )
    ax.legend(fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)

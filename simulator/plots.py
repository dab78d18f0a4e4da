"""PNG plots of a run (matplotlib, Agg backend: no display needed).

Per watched branch: utilization of each link against its own role's 70 %/50 % thresholds, with
every path change and every fault (its start, its end, its span) marked, and the SLA timeline
of each application. For the network: (branch, app) pairs out of SLA over time, per SLA class.

Long runs are binned to ~3,000 points. A curve is each bin's mean, with a light band up to its
maximum, so a one-second spike still shows without turning a run of short outages into a solid
one; the SLA timeline shades each bin by the share of it out of SLA. Legends sit beside the
plot, not over the curves.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # before pyplot: never look for a display

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from policies.compiled import FloatArray
from simulator.world import World

MAX_POINTS = 3000
_RULE_COLOUR = {"offload": "tab:orange", "return": "tab:green", "return-literal": "tab:red"}
_OTHER = "tab:purple"  # failover, recovery and SLA moves
_FAULT = "tab:red"


def _axis(world: World) -> tuple[FloatArray, str, float]:
    span = len(world.times) * world.dt
    unit, scale = ("h", 3600.0) if span > 3 * 3600 else ("min", 60.0)
    return world.times / scale, unit, scale


def binned(values: np.ndarray, times: FloatArray) -> tuple[FloatArray, FloatArray, np.ndarray]:
    """`times` at each bin's start, and each bin's mean and maximum of `values` (along the first
    axis); bins of one value when the run is short enough."""
    n = len(times)
    size = max(1, -(-n // MAX_POINTS))
    if size == 1:
        return times, values.astype(np.float64), values
    cut = n - n % size
    shaped = values[:cut].reshape(cut // size, size, *values.shape[1:])
    return times[:cut:size], shaped.mean(axis=1, dtype=np.float64), shaped.max(axis=1)


def site_plot(world: World, j: int) -> Figure:
    """Utilization and SLA timeline of watched branch j."""
    rec, net = world.rec, world.net
    site = net.spokes[int(rec.watched[j])]
    t, unit, scale = _axis(world)
    apps = [a.name for a in net.network.apps]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(13, 7.5), sharex=True, gridspec_kw={"height_ratios": [1.1, 1]}
    )
    tb, mean, peak = binned(rec.util_hist[:, j, :], t)
    thresholds = world.engine.policy.utilization
    drawn_roles = set()
    for k, link in enumerate(site.links):
        label = f"{link.id} ({link.role.value}, {link.down_mbps:g} Mbit/s)"
        (line,) = top.plot(tb, mean[:, k], lw=1.0, label=label)
        if len(tb) < len(t):
            top.fill_between(tb, mean[:, k], peak[:, k], color=line.get_color(), alpha=0.2, lw=0)
        if link.role in drawn_roles:
            continue
        drawn_roles.add(link.role)
        band = thresholds[link.role]
        top.axhline(band.upper, color=line.get_color(), ls="--", lw=0.8,
                    label=f"{link.role.value}: upper {band.upper:.0%}")  # fmt: skip
        top.axhline(band.lower, color=line.get_color(), ls=":", lw=0.8,
                    label=f"{link.role.value}: lower {band.lower:.0%}")  # fmt: skip
    moves = [m for m in rec.moves if m.site == j]
    for m in moves:
        top.plot(m.t / scale, 1.04, marker="v", color=_RULE_COLOUR.get(m.rule, _OTHER), ms=5,
                 clip_on=False)  # fmt: skip
    end_of_run = len(world.times) * world.dt
    hit_here = 0
    for index, start, hit in rec.fault_spans:
        if not (hit.size and hit[j].any()):
            continue
        hit_here += 1
        duration = rec.fault_durations[index]
        end = min(end_of_run, start + duration) if duration is not None else end_of_run
        top.axvspan(start / scale, end / scale, color=_FAULT, alpha=0.08, lw=0)
        for ax in (top, bottom):
            ax.axvline(start / scale, color=_FAULT, lw=0.8, alpha=0.7)
            ax.axvline(end / scale, color=_FAULT, lw=0.8, alpha=0.7, ls="--")
    top.set_ylim(0, 1.08)
    top.set_ylabel("utilization")
    top.set_title(f"{site.id}: utilization, thresholds and path changes ({len(moves)} moves)")
    handles, _labels = top.get_legend_handles_labels()
    handles += [
        Line2D([], [], marker="v", ls="", color=c, label=f"path change: {r}")
        for r, c in (*_RULE_COLOUR.items(), ("failover/other", _OTHER))
    ]
    if hit_here:
        span = "fault: start (solid) to end (dashed)"
        handles.append(Patch(color=_FAULT, alpha=0.25, label=span))
    top.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    tb, share_out, _ = binned(rec.out_hist[:, j, :], t)
    step = (tb[1] - tb[0]) if len(tb) > 1 else (t[1] - t[0] if len(t) > 1 else 1.0)
    # Within SLA the whole interval: white, not the map's palest red.
    shades = plt.get_cmap("Reds").with_extremes(under="white")
    bottom.imshow(
        share_out.T, aspect="auto", interpolation="nearest", cmap=shades, vmin=1e-9, vmax=1.0,
        extent=(float(tb[0]), float(tb[-1] + step), len(apps) - 0.5, -0.5),
    )  # fmt: skip
    bottom.set_yticks(range(len(apps)), apps, fontsize=7)
    bottom.set_xlabel(f"time since start ({unit})")
    bottom.set_title("out of SLA (the share of each interval, white 0 to red all)", fontsize=9)
    fig.tight_layout()
    return fig


def site_figure(world: World, j: int, path: Path) -> None:
    """`site_plot` as a PNG."""
    save(site_plot(world, j), path)


def network_plot(world: World) -> Figure:
    """(branch, app) pairs out of SLA over time, one line per SLA class."""
    t, unit, _ = _axis(world)
    tb, mean, peak = binned(world.rec.class_out, t)
    fig, ax = plt.subplots(figsize=(13, 3.8))
    for c, sla in enumerate(world.net.network.sla_classes):
        (line,) = ax.plot(tb, mean[:, c], lw=1.0, label=sla.name)
        if len(tb) < len(t):
            ax.fill_between(tb, mean[:, c], peak[:, c], color=line.get_color(), alpha=0.2, lw=0)
    ax.set_xlabel(f"time since start ({unit})")
    ax.set_ylabel("(branch, app) out of SLA")
    ax.set_title(
        f"Network: applications out of SLA, by SLA class ({len(world.net.spokes)} branches)"
    )
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def network_figure(world: World, path: Path) -> None:
    """`network_plot` as a PNG."""
    save(network_plot(world), path)


def save(fig: Figure, path: Path) -> None:
    """Write a figure as PNG and free it."""
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)

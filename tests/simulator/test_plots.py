"""The run's plots say what happened: each link against its own role's thresholds, every fault
from its start to its end, an intermittent outage shaded by how much of each interval it took
(not drawn solid), and legends beside the curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from simulator.model import simulate
from simulator.plots import MAX_POINTS, binned, network_plot, site_plot
from simulator.scenario.load import load_scenario
from tests.simulator.conftest import SCENARIOS


def test_long_runs_keep_each_interval_s_mean_and_its_peak() -> None:
    n = 24 * 3600  # a day at 1 s
    times = np.arange(n, dtype=np.float64)
    flags = (np.arange(n) % 10 == 0)[:, None]  # out of SLA one second in ten
    tb, mean, peak = binned(flags, times)
    assert len(tb) <= MAX_POINTS
    assert mean.min() > 0.05 and mean.max() < 0.15 and peak.all()  # shaded a tenth, not solid


def test_a_branch_s_plot_marks_each_role_s_thresholds_and_each_fault_s_span() -> None:
    run = simulate(load_scenario(SCENARIOS / "golden.yaml"))
    world = run.world
    watched = [world.net.spokes[int(s)].id for s in world.rec.watched]
    j = watched.index("br-shenyang-001")  # link-down of mstp-1 from 2 m to 7 m
    fig = site_plot(world, j)
    try:
        top, bottom = fig.axes[:2]
        site = world.net.spokes[int(world.rec.watched[j])]
        roles = {link.role.value for link in site.links}
        labels = [str(line.get_label()) for line in top.get_lines()]
        for role in roles:
            assert any(label.startswith(f"{role}: upper") for label in labels), labels
            assert any(label.startswith(f"{role}: lower") for label in labels), labels
        extents = sorted({(round(p.get_x(), 3), round(p.get_x() + p.get_width(), 3))
                          for p in top.patches if isinstance(p, Rectangle)})  # fmt: skip
        assert (2.0, 7.0) in extents, extents  # minutes: the fault's start and end
        assert any(isinstance(a, AxesImage) for a in bottom.get_images())
        legend = top.get_legend()
        assert legend is not None
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's canvas
        box = legend.get_window_extent(renderer)
        assert box.x0 >= top.get_window_extent(renderer).x1  # beside it
    finally:
        plt.close(fig)
    plt.close(network_plot(world))

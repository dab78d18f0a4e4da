"""The simulated WAN as numpy arrays, advanced one tick at a time by a single simpy process.

Load, utilization, latency and the latency part of the SLA verdicts change only when demand is
redrawn (every noise window), an app moves or a fault strikes: they are recomputed then
("steady" state). Every tick draws jitter and loss around them, counts which (link, SLA class)
pairs are out of SLA, and on probe ticks runs the probes and the policy engine. Per-app totals
are folded in from the per (link, class) counts when the steady state changes. Nothing here
loops over sites or links in Python.

Within one steady state every tick's jitter, loss and random probe losses follow from its random
draws alone, so they are computed for the rest of the window (up to the end of the draw block)
at once; the SLA verdicts, which nothing needs before then, are counted for all the ticks since
the last change in one go when the state changes (or the buffer fills). Same values, same order
of random draws: only fewer, larger array operations.
"""

from __future__ import annotations

import numpy as np

from policies.batch.step import step_batch
from policies.compiled import BoolArray, FloatArray, IntArray
from policies.engine import PolicyEngine
from policies.observations import BatchObservations
from policies.policy import Policy
from simulator.detection import DetectionTracker
from simulator.faults import FaultState
from simulator.links import LinkPhysics, Steady
from simulator.network import SimNetwork
from simulator.probes import Probes
from simulator.recorder import Recorder
from simulator.scenario import Scenario
from simulator.switches import SwitchTracker
from simulator.traffic import Demand
from sites.enums import Priority

_BLOCK_VALUES = 400_000  # random numbers drawn per block: a few MB, amortises the calls
_VERDICT_VALUES = 800_000  # (tick, site, slot, class) verdicts counted at once


class World:
    """State of one run. `tick(i, now)` advances it; the recorder holds what the results need."""

    def __init__(
        self, scenario: Scenario, net: SimNetwork, policy: Policy, rng: np.random.Generator
    ) -> None:
        self.net = net
        self.engine = PolicyEngine(policy, net.network)
        self.state = self.engine.initial_state()
        self.dt = scenario.tick
        n_ticks = round(scenario.duration / scenario.tick)
        self.times: FloatArray = np.arange(n_ticks, dtype=np.float64) * self.dt
        self.rng = rng
        timers = scenario.probe.timers()
        self.probe_every = round(timers.interval_s / scenario.tick)
        self.physics = LinkPhysics(scenario.links, net)
        self.faults = FaultState(net)
        self.probes = Probes(timers, net.present, net.capacity_mbps, rng)
        self.demand_model = Demand(
            scenario.traffic, net, self.times, scenario.start_s, rng=rng, planning=scenario.planning
        )
        apps = net.network.apps
        sla = net.network.sla_classes
        classes = {c.name: i for i, c in enumerate(sla)}
        self.app_class: IntArray = np.array([classes[a.sla.name] for a in apps])
        self.max_lat = np.array([c.max_latency_ms for c in sla])
        self.max_jit = np.array([c.max_jitter_ms for c in sla])
        self.max_loss = np.array([c.max_loss_pct for c in sla])
        self.high: BoolArray = np.array([a.priority is Priority.HIGH for a in apps])
        self.switches = SwitchTracker(len(scenario.faults), self.high)
        self.detection = DetectionTracker(len(scenario.faults))
        self.rec = Recorder(scenario, net, len(self.times), len(sla))
        n_sites, n_links = net.shape
        self._block = max(1, min(256, _BLOCK_VALUES // (3 * n_sites * n_links)))
        self._draws: FloatArray = np.zeros((0, 3, n_sites, n_links))
        self.link: IntArray = self.state.link
        self.steps = 0
        self.observed: BatchObservations | None = None
        self._since = 0  # first tick not yet folded into the per-app totals
        self._fault_version = -1
        self._links_changed = True
        self.demand: FloatArray = np.zeros((n_sites, len(apps)))
        self._acc: IntArray = np.zeros((n_sites * n_links + 1, len(sla)), dtype=np.int32)
        self._acc_view = self._acc[:-1].reshape(n_sites, n_links, len(sla))
        self._buffers(n_sites, n_links, len(sla))

    @property
    def steady(self) -> Steady:
        """The links' steady state under the current demand, placement and faults."""
        return self._steady

    def _buffers(self, n_sites: int, n_links: int, n_classes: int) -> None:
        """The per-window buffers of tick() and _flush(), allocated once."""
        # Ticks [_flushed, _valid) have their jitter, loss and probe losses in the buffers (at
        # tick - _flushed); their verdicts are counted when flushed.
        cap = max(1, min(256, _VERDICT_VALUES // max(1, n_sites * n_links * n_classes)))
        self._cap = cap
        self._jit: FloatArray = np.zeros((cap, n_sites, n_links))
        self._loss: FloatArray = np.zeros((cap, n_sites, n_links))
        self._lost: BoolArray = np.zeros((cap, n_sites, n_links), dtype=np.bool_)
        self._probe_tmp: FloatArray = np.zeros((cap, n_sites, n_links))
        verdicts = n_classes * cap * n_sites * n_links
        self._bad: BoolArray = np.zeros(verdicts, dtype=np.bool_)
        self._bad_tmp: BoolArray = np.zeros(verdicts, dtype=np.bool_)
        self._badf: FloatArray = np.zeros(verdicts)
        self._max_jit_col: FloatArray = self.max_jit[:, None, None]
        self._max_loss_col: FloatArray = self.max_loss[:, None, None]
        self._flushed = 0
        self._valid = 0
        self._next = 0  # the tick expected next

    def tick(self, i: int, now: float) -> None:
        """Advance tick i (at time `now`)."""
        if i != self._next:  # a jump (a live feed wraps around): count the pending ticks first
            self._flush(self._next)
            self._flushed = self._valid = i
        self._next = i + 1
        boundary = i % self.demand_model.every == 0
        if boundary or self._links_changed or self.faults.version != self._fault_version:
            self._fold(i)
            if boundary:
                self.demand = self.demand_model.window(i)
            self._recompute()
        if i % self._block == 0:
            self._draws = self.rng.random((self._block, 3, *self.net.shape))
        if i - self._flushed >= self._cap:
            self._flush(i)
        if i >= self._valid:
            self._fill(i)
        if i % self.probe_every == 0:
            k = i - self._flushed
            st = self._steady
            quality = (st.utilization, st.latency_ms, self._jit[k], self._loss[k])
            # A probe is lost if the link was down at its own instant; else at random with the
            # link's loss (a link down by now but up then: its loss rate is not known, kept).
            instants = self.probes.instants(now)
            up_then = self.faults.up_at(instants)
            lost = ~up_then | (self._lost[k] & self.faults.phys_up)
            was_up = self.probes.declared_up
            obs = self.probes.observe(quality, lost, self.demand, st.path_utilization)
            self.detection.declared(was_up & ~obs.up, instants)
            self.observed = obs  # what the probes measured: a live feed hands it out as samples
            self._step(obs, now, instants)
            if i == 0:  # the first placement is not a move: it applies at once
                self._recompute()
                self._fill(i)

    def _fill(self, i: int) -> None:
        """Jitter, loss and random probe losses of ticks i.. (to the end of the noise window,
        the draw block or the buffer) under the current steady state."""
        every, block = self.demand_model.every, self._block
        end = min((i // every + 1) * every, (i // block + 1) * block, self._flushed + self._cap)
        end = min(end, len(self.times))
        a, b = i % block, i % block + (end - i)
        k0, k1 = i - self._flushed, end - self._flushed
        draws, st, ph = self._draws, self._steady, self.physics
        jit, loss = self._jit[k0:k1], self._loss[k0:k1]
        np.multiply(ph.jitter2, draws[a:b, 0], out=jit)
        np.add(jit, st.jitter_ms, out=jit)
        np.multiply(ph.loss2, draws[a:b, 1], out=loss)
        np.add(loss, st.loss_pct, out=loss)
        np.minimum(loss, 100.0, out=loss)
        np.multiply(draws[a:b, 2], 100.0, out=self._probe_tmp[: end - i])
        np.less(self._probe_tmp[: end - i], loss, out=self._lost[k0:k1])
        self._valid = end

    def _flush(self, i: int) -> None:
        """Count the (link, class) verdicts of ticks [flushed, i): all under the current
        steady state. Laid out (class, tick, link) so each comparison runs over long rows;
        the counts go through float64 (exact for integers) to use matrix products."""
        n = i - self._flushed
        if n <= 0:
            return
        n_links = self._jit.shape[1] * self._jit.shape[2]
        size = len(self.max_jit) * n * n_links
        shape = (len(self.max_jit), n, n_links)
        bad = self._bad[:size].reshape(shape)
        tmp = self._bad_tmp[:size].reshape(shape)
        badf = self._badf[:size].reshape(shape)
        np.greater(self._jit[:n].reshape(1, n, n_links), self._max_jit_col, out=bad)
        np.greater(self._loss[:n].reshape(1, n, n_links), self._max_loss_col, out=tmp)
        np.logical_or(bad, tmp, out=bad)
        np.logical_or(bad, self._lat_bad_t, out=bad)
        np.copyto(badf, bad)
        acc = self._acc[:-1]
        np.add(acc, badf.sum(axis=1).T, out=acc, casting="unsafe")
        self.rec.ticks(self._flushed, bad, badf, self._class_count_t, self._unplaced_by_class)
        self._flushed = i
        self._valid = i

    def _step(self, obs: BatchObservations, now: float, instants: FloatArray) -> None:
        # The first step goes through PolicyEngine.step, which checks the observations' shapes
        # and values; later ones call the batch path it dispatches to directly, since every
        # array comes from this model (the check costs a fifth of a 340-branch step).
        previous = self.link
        if self.steps == 0:
            self.state, decisions = self.engine.step(self.state, obs, now)
        else:
            self.state, decisions = step_batch(self.engine.compiled, self.state, obs, now)
        self.steps += 1
        changed = self.state.link != previous
        if not changed.any():
            return
        self.link = self.state.link
        self._links_changed = True  # takes effect from the next tick
        self.rec.moved(now, changed & (previous >= 0), decisions)
        self.switches.moved(instants, self.link)

    def _recompute(self) -> None:
        """Steady state after a change of demand, placement or faults."""
        n_sites, n_links = self.net.shape
        n_classes = len(self.max_lat)
        f = self.faults
        if self._links_changed:
            rows = np.arange(n_sites)[:, None]
            self._flat: IntArray = np.where(
                self.link >= 0, rows * n_links + self.link, n_sites * n_links
            )
            self._sla_index: IntArray = self._flat * n_classes + self.app_class[None, :]
            self._on_metered: BoolArray = np.append(self.net.metered.ravel(), False)[self._flat]
        in_use = self.demand > 0
        # Traffic is billed on a metered link while the link is up: an app still placed on a
        # link that went down (not detected yet, or nowhere else to go) sends nothing.
        up_of_app = np.append(f.phys_up.ravel(), False)[self._flat]
        self._billed: BoolArray = self._on_metered & up_of_app
        flat, dem = self._flat.ravel(), self.demand.ravel()
        load: FloatArray = np.bincount(flat, weights=dem, minlength=n_sites * n_links + 1).astype(
            np.float64
        )
        self._steady: Steady = self.physics.steady(
            load[:-1].reshape(n_sites, n_links),
            f.phys_up,
            (f.add_latency, f.add_jitter, f.add_loss),
            f.hub_up,
        )
        self._lat_bad: BoolArray = (
            self._steady.latency_ms[:, :, None] > self.max_lat
        ) | ~f.phys_up[:, :, None]
        # How many in-use apps of each class sit on each link: the weights of the class timeline.
        slot_class = np.where(in_use, self._sla_index, -1).ravel()
        counts = np.bincount(slot_class[slot_class >= 0], minlength=self._acc.size)
        self._class_count: IntArray = counts[:-n_classes].reshape(n_sites, n_links, n_classes)
        self._unplaced_by_class: IntArray = counts[-n_classes:]
        # (class, 1, link) and (class, link, 1) layouts for _flush.
        flat_links = n_sites * n_links
        self._lat_bad_t: BoolArray = np.ascontiguousarray(
            self._lat_bad.reshape(flat_links, n_classes).T
        )[:, None, :]
        self._class_count_t: FloatArray = self._class_count.reshape(flat_links, n_classes).T.astype(
            np.float64
        )[:, :, None]
        # What each link's own applications would put on it: its load and what the policy
        # offloaded from it (capacity planning sizes links by this, not by what is left).
        wanted = load[:-1]
        off = self.state.offload_from
        if (off >= 0).any():
            rows = np.arange(n_sites)[:, None]
            flat_off = np.where(off >= 0, rows * n_links + off, n_sites * n_links)
            wanted = (
                wanted
                + np.bincount(flat_off.ravel(), weights=dem, minlength=n_sites * n_links + 1)[:-1]
            )
        ratio = wanted.reshape(n_sites, n_links) / self.physics.capacity
        self.rec.steady(self._steady.utilization, ratio, self.link, in_use, self.app_class)
        self._in_use: BoolArray = in_use
        self._fault_version = f.version
        self._links_changed = False
        self._valid = self._flushed  # jitter and loss from here on follow the new state

    def _fold(self, i: int) -> None:
        """Fold ticks [since, i) into the per-(site, app) totals."""
        self._flush(i)
        n = i - self._since
        if n <= 0:
            return
        self._acc[-1] = n  # an unplaced app is out of SLA every tick
        out = self._acc.ravel()[self._sla_index] * self._in_use
        metered = self.demand * self._billed
        self.rec.fold(self._since, i, out, metered, self._steady.hub_utilization)
        self._acc[:] = 0
        self._since = i

    def finish(self) -> None:
        """Fold the last window in."""
        self._fold(len(self.times))

    def on_onset(self, index: int, now: float, hit: BoolArray) -> None:
        """A fault began: note the apps it caught (for time to switch), and count from here
        what is out of SLA while it lasts."""
        self.switches.onset(index, now, hit, self.link)
        self.rec.fault(index, now, hit)
        self._fold(self._next)
        self.rec.fault_began(index)

    def on_cut(self, index: int, now: float, cut: BoolArray) -> None:
        """A fault took links down: their probes have it to detect."""
        self.detection.cut(index, now, cut, self.probes.declared_up)

    def on_mend(self, index: int, now: float, mended: BoolArray) -> None:
        """Links a fault took down are back: the outages not detected by now were missed."""
        self.detection.mended(index, mended)

    def on_repair(self, index: int) -> None:
        """A fault ended."""
        self.switches.repaired(index)
        self._fold(self._next)
        self.rec.fault_ended(index)

"""Application demand per branch: expected_kbps x scale x branch size x level(t) x noise.

Levels follow Beijing time of day (`diurnal` office hours, `trading` for the A-share sessions
09:30-11:30 and 13:00-15:00) or points given in seconds from the start. Noise is a per
(branch, app) factor redrawn every `noise_period_s`, not every tick: demand at a branch
aggregates many users and does not jump each second, and drawing (sites x apps) numbers per
tick would cost more than the whole policy step.

Capacity planning (`planning` in the scenario) scales it: growth compounds over months on every
demand; each multiplier scales the demand of the branches (by id or class) and applications it
names, all day or between two times of day. The multipliers in force are looked up at each
noise window, and each set of them is combined once.
"""

from __future__ import annotations

import numpy as np

from policies.compiled import BoolArray, FloatArray
from simulator.network import SimNetwork
from simulator.scenario import Multiplier, Planning, Shape, Traffic, TrafficProfile

DAY_S = 86_400.0
H = 3600.0
# (seconds after midnight, level); OFF stands for the profile's off_hours level.
OFF = -1.0
_DIURNAL = ((0.0, OFF), (8 * H, OFF), (9 * H, 1.0), (12 * H, 1.0), (12.5 * H, 0.7),
            (13 * H, 1.0), (18 * H, 1.0), (19 * H, OFF), (DAY_S, OFF))  # fmt: skip
# The A-share continuous sessions (Shanghai and Shenzhen exchanges), with one-minute edges.
_TRADING = ((0.0, OFF), (9.5 * H - 60, OFF), (9.5 * H, 1.0), (11.5 * H, 1.0),
            (11.5 * H + 60, OFF), (13 * H - 60, OFF), (13 * H, 1.0), (15 * H, 1.0),
            (15 * H + 60, OFF), (DAY_S, OFF))  # fmt: skip
_KNOTS = {Shape.DIURNAL: _DIURNAL, Shape.TRADING: _TRADING}


def levels(profile: TrafficProfile, t: FloatArray, start_s: float) -> FloatArray:
    """Level of one profile at run times `t` (seconds from the start)."""
    if profile.shape is Shape.FLAT:
        ones: FloatArray = np.ones_like(t)
        return ones
    if profile.shape is Shape.POINTS:
        xs = np.array([p[0] for p in profile.points])
        ys = np.array([p[1] for p in profile.points])
        level: FloatArray = np.interp(t, xs, ys)
        return level
    knots = _KNOTS[profile.shape]
    xs = np.array([k[0] for k in knots])
    ys = np.array([profile.off_hours if k[1] == OFF else k[1] for k in knots])
    daily: FloatArray = np.interp((start_s + t) % DAY_S, xs, ys)
    return daily


class Demand:
    """Demand of every (branch, app): `window(i)` is the (S, A) array in Mbit/s for the noise
    window that starts at tick i. Level and noise are held for `every` ticks."""

    def __init__(
        self,
        traffic: Traffic,
        net: SimNetwork,
        times: FloatArray,
        start_s: float,
        *,
        rng: np.random.Generator,
        planning: Planning | None = None,
    ) -> None:
        planning = planning or Planning()
        by_name = {a.name: a for a in net.inventory.applications}
        names = [a.name for a in net.network.apps]
        profiles = [traffic.for_app(n) for n in names]
        expected = np.array(
            [
                by_name[n].expected_kbps / 1000.0 * p.scale
                for n, p in zip(names, profiles, strict=True)
            ]
        )
        size = np.array(
            [
                traffic.class_scale.get(s.branch_class, 1.0) if s.branch_class else 1.0
                for s in net.spokes
            ]
        )
        growth = planning.growth.factor if planning.growth else 1.0
        self.base: FloatArray = size[:, None] * expected[None, :] * growth
        tick = float(times[1] - times[0]) if len(times) > 1 else 1.0
        self.every = max(1, round(traffic.noise_period_s / tick))
        starts = times[:: self.every]
        self._level: FloatArray = np.stack([levels(p, starts, start_s) for p in profiles], axis=1)
        self._noise = traffic.noise
        self._rng = rng
        self._multipliers = [_Scaling(m, net, names) for m in planning.multipliers]
        self._clock = (start_s + starts) % DAY_S  # time of day at each window's start
        self._combined: dict[tuple[bool, ...], FloatArray | None] = {}

    def window(self, i: int) -> FloatArray:
        """(S, A) demand from tick i (a multiple of `every`) for `every` ticks."""
        level = self._level[i // self.every]
        base = self._planned(i // self.every)
        if self._noise == 0:
            flat: FloatArray = base * level
            return flat
        factor = np.maximum(0.0, self._rng.normal(1.0, self._noise, self.base.shape))
        out: FloatArray = base * factor * level
        return out

    def _planned(self, window: int) -> FloatArray:
        """The base demand with the multipliers in force at this window's start."""
        if not self._multipliers:
            return self.base
        clock = float(self._clock[window])
        active = tuple(m.active(clock) for m in self._multipliers)
        if active not in self._combined:
            factor = None
            for m, on in zip(self._multipliers, active, strict=True):
                if on:
                    factor = m.factor if factor is None else factor * m.factor
            self._combined[active] = None if factor is None else self.base * factor
        combined = self._combined[active]
        return self.base if combined is None else combined


class _Scaling:
    """One multiplier as a (S, A) factor and its hours."""

    def __init__(self, m: Multiplier, net: SimNetwork, apps: list[str]) -> None:
        sites: BoolArray = np.array(
            [
                (m.branch is None or s.id == m.branch)
                and (m.branch_class is None or s.branch_class is m.branch_class)
                for s in net.spokes
            ]
        )
        wanted: BoolArray = np.array([m.application in (None, a) for a in apps])
        self.factor: FloatArray = np.where(sites[:, None] & wanted[None, :], m.factor, 1.0)
        self._from = _seconds(m.from_) if m.from_ else None
        self._until = _seconds(m.until) if m.until else None

    def active(self, clock: float) -> bool:
        """Whether it is in force at this time of day (seconds after midnight)."""
        start = 0.0 if self._from is None else self._from
        end = DAY_S if self._until is None else self._until
        if start <= end:
            return start <= clock < end
        return clock >= start or clock < end  # across midnight


def _seconds(clock: str) -> float:
    hours, minutes = clock.split(":")
    return int(hours) * H + int(minutes) * 60.0

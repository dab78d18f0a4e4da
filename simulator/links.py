"""Link quality: base latency from transport and distance, random jitter and loss, queueing
delay and loss as utilization nears capacity, plus whatever the faults add.

Queueing follows M/M/1: delay = queue_ms x rho / (1 - rho), so `queue_ms` is the delay at 50 %
utilization, capped by the buffer (`max_queue_ms`). Above `loss_knee` loss grows quadratically
to 1 % at full load; offered load beyond capacity is dropped, so loss adds 1 - 1/rho.

Hub links are shared bottlenecks: a branch link's traffic reaches the hub over the hub links it
can ride (split by their bandwidth among those that are up), the hub link's load is the sum of
what rides on it, and its queueing delay and loss (the same formulas) add to every branch link
riding it, in the share it rides. So when a hub CPE fails and its traffic moves to the
surviving hub link, the branches' paths through that link slow down and lose packets.

Load changes only when demand is redrawn, an app moves or a fault strikes, so the quality is
split in two: `steady()` for what follows from load and faults (computed on those changes) and
`jitter_loss()` for the per-tick randomness around it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from policies.compiled import BoolArray, FloatArray
from simulator.network import SimNetwork
from simulator.scenario import LinkModels

DEAD_LOSS = 1e9  # steady loss of a down link: clipped to 100 % whatever the draw


class Steady(NamedTuple):
    """The part of every (site, slot)'s quality fixed between changes of load or faults."""

    utilization: FloatArray  # 0..1 measured (0 on a down link: nothing gets through)
    latency_ms: FloatArray
    jitter_ms: FloatArray  # added to the random part
    loss_pct: FloatArray  # added to the random part
    hub_utilization: FloatArray  # (H,) offered load over capacity of each hub link (may pass 1)
    path_utilization: FloatArray  # (S, L) measured utilization of the hub links each link rides


class LinkPhysics:
    """The static link model."""

    def __init__(self, models: LinkModels, net: SimNetwork) -> None:
        n_sites, n_links = net.shape
        lat = np.zeros((n_sites, n_links))
        jit = np.zeros((n_sites, n_links))
        loss = np.zeros((n_sites, n_links))
        for s, transports in enumerate(net.transports):
            for k, transport in enumerate(transports):
                tm = models.transports[transport]
                lat[s, k], jit[s, k], loss[s, k] = tm.latency_ms, tm.jitter_ms, tm.loss_pct
        propagation = net.distance_km * models.route_factor / models.km_per_ms
        self.base_latency: FloatArray = lat + propagation[:, None]
        # Uniform draws in [0, 2) have mean 1: jitter and random loss vary around their means.
        self.jitter2: FloatArray = 2.0 * jit
        self.loss2: FloatArray = 2.0 * loss
        self.capacity: FloatArray = net.capacity_mbps
        self._hubs = net.hubs
        self._queue_ms = models.queue_ms
        self._max_queue = models.max_queue_ms
        self._knee = models.loss_knee

    def steady(
        self,
        load_mbps: FloatArray,
        up: BoolArray,
        extra: tuple[FloatArray, FloatArray, FloatArray],
        hub_up: BoolArray,
    ) -> Steady:
        """Quality given the offered load, the physical up mask, the faults' added
        (latency, jitter, loss) and which hub links are up."""
        rho = load_mbps / self.capacity
        queue, congestion = self._queue(rho)
        hub_rho, via = self._hub_load(load_mbps * up, hub_up)
        if via is not None:  # the hub links' queueing and loss, in the share each one carries
            hub_queue, hub_loss = self._queue(hub_rho)
            queue = queue + (via @ hub_queue).reshape(queue.shape)
            congestion = congestion + (via @ hub_loss).reshape(queue.shape)
        add_lat, add_jit, add_loss = extra
        return Steady(
            utilization=np.where(up, np.minimum(rho, 1.0), 0.0),
            latency_ms=self.base_latency + queue + add_lat,
            jitter_ms=0.3 * queue + add_jit,
            loss_pct=np.where(up, np.minimum(congestion + add_loss, 100.0), DEAD_LOSS),
            hub_utilization=hub_rho,
            path_utilization=self._hubs.path_utilization(
                np.where(hub_up, np.minimum(hub_rho, 1.0), 0.0), hub_up
            ),
        )

    def _queue(self, rho: FloatArray) -> tuple[FloatArray, FloatArray]:
        """M/M/1 queueing delay (capped by the buffer) and loss (past the knee, and the
        offered load beyond capacity) at utilization `rho`."""
        r = np.minimum(rho, 0.999)
        queue: FloatArray = np.minimum(self._queue_ms * r / (1.0 - r), self._max_queue)
        over = np.maximum(rho - self._knee, 0.0) / (1.0 - self._knee)
        loss: FloatArray = np.where(
            rho > 1.0, 100.0 * (1.0 - 1.0 / np.maximum(rho, 1.0)), over * over
        )
        return queue, loss

    def _hub_load(
        self, load_mbps: FloatArray, hub_up: BoolArray
    ) -> tuple[FloatArray, FloatArray | None]:
        """Each hub link's utilization, and each branch link's share on each hub link
        ((S x L, H), None without hub links)."""
        if not self._hubs.hub_links:
            return np.zeros(0), None
        via = self._hubs.shares(hub_up)
        hub_load = load_mbps.reshape(-1) @ via
        return hub_load / self._hubs.capacity_mbps, via

    def jitter_loss(self, steady: Steady, noise: FloatArray) -> tuple[FloatArray, FloatArray]:
        """This tick's jitter and loss from two (S, L) uniform draws in [0, 1)."""
        jitter: FloatArray = self.jitter2 * noise[0] + steady.jitter_ms
        loss: FloatArray = np.minimum(self.loss2 * noise[1] + steady.loss_pct, 100.0)
        return jitter, loss

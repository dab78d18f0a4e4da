"""Run simulations in a separate worker process and keep their status and outputs.

A simulation is seconds to minutes of numpy work; in a thread of the API process it would take
the interpreter lock from every request. One worker process (started with `spawn`, never
`fork` from a threaded server) runs one simulation at a time; the others queue. Outputs
(results.json, report.html and its PNGs) go under `<data dir>/simulations/<id>/`. Job records
live in memory: after a restart the files remain but the list starts empty.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import secrets
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from controller.errors import OverLimitError, UnknownReferenceError
from policies.governance import PolicyLookup
from policies.policy import Policy
from simulator.load import Setup, load_scenario_text, parse_scenario
from simulator.model import simulate
from simulator.run import write_outputs
from telemetry.private_files import private_dir


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    status: JobStatus
    submitted_by: str
    submitted_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    outdir: Path | None = None

    def results(self) -> dict[str, Any] | None:
        if self.status is not JobStatus.DONE or self.outdir is None:
            return None
        loaded: dict[str, Any] = json.loads((self.outdir / "results.json").read_text("utf-8"))
        return loaded


DEFAULT_MAX_SITE_TICKS = 100_000_000
"""Sites × ticks a simulation may take: 340 branches × 24 h at 1 s is 29 M (about 20 s of work),
10,000 × 1 h at 1 s 36 M; a 1 ms tick over 24 h would be 29 G and gigabytes of memory."""


def check_scenario(
    text: str, stored: PolicyLookup, max_site_ticks: int = DEFAULT_MAX_SITE_TICKS
) -> Setup:
    """Refuse, before queueing, what would fail: every problem with its field and line.

    Through the API a scenario names the reference network; it may not name an inventory file
    on the controller's disk (that would let a request read any file). A stored policy version
    is resolved now, so the job runs the version that was current when it was submitted."""
    scenario = parse_scenario(text, source="request body")
    if scenario.network.inventory is not None:
        raise UnknownReferenceError(
            "scenarios sent to the API use network.reference, not an inventory file",
            "network.inventory",
        )
    reference = scenario.network.reference
    sites = reference.branches + 1 if reference is not None else 1  # the hub too
    ticks = math.ceil(scenario.duration / scenario.tick)
    if sites * ticks > max_site_ticks:
        raise OverLimitError(
            f"{sites:,} sites × {ticks:,} ticks is {sites * ticks:,} site-ticks; this controller "
            f"runs at most {max_site_ticks:,} (BRANCHLINE_MAX_SIMULATION_SITE_TICKS): shorten "
            "the duration, lengthen the tick or simulate fewer branches",
            "duration",
        )
    return load_scenario_text(text, source="request body", stored=stored)


def _run(text: str, outdir: str, policy: str, label: str) -> None:
    """In the worker process. A stored policy version is the one resolved at submission."""
    resolved = Policy.model_validate_json(policy)
    setup = load_scenario_text(text, source="request body", stored=lambda *_: (resolved, label))
    write_outputs(simulate(setup), outdir)


class Jobs:
    def __init__(
        self, root: Path, stored: PolicyLookup, max_site_ticks: int = DEFAULT_MAX_SITE_TICKS
    ) -> None:
        self._root = root
        self._stored = stored
        self._max_site_ticks = max_site_ticks
        self._jobs: dict[str, Job] = {}
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, text: str, actor: str) -> Job:
        setup = check_scenario(text, self._stored, self._max_site_ticks)
        policy = setup.policy.model_dump_json()
        job = Job(secrets.token_hex(6), JobStatus.QUEUED, actor, datetime.now(UTC))
        outdir = private_dir(self._root / job.id)  # results may name every site
        with self._lock:
            self._jobs[job.id] = replace(job, outdir=outdir)
            self._futures[job.id] = self._executor().submit(
                _run, text, str(outdir), policy, setup.policy_label
            )
        self._futures[job.id].add_done_callback(lambda done: self._finish(job.id, done))
        return self.get(job.id)

    def get(self, job_id: str) -> Job:
        """The job; raises KeyError for an unknown id."""
        with self._lock:
            job = self._jobs[job_id]
            if job.status is JobStatus.QUEUED and self._futures[job_id].running():
                job = replace(job, status=JobStatus.RUNNING)
            return job

    def all(self) -> list[Job]:
        ids = sorted(self._jobs, key=lambda i: self._jobs[i].submitted_at, reverse=True)
        return [self.get(i) for i in ids]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def _finish(self, job_id: str, future: Future[None]) -> None:
        error = future.exception()
        self._set(
            job_id,
            status=JobStatus.FAILED if error else JobStatus.DONE,
            finished_at=datetime.now(UTC),
            error=f"{type(error).__name__}: {error}" if error else None,
        )

    def _set(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)

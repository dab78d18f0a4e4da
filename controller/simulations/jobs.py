"""Run simulations in a separate worker process and keep their status and outputs.

A simulation is seconds to minutes of numpy work; in a thread of the API process it would take
the interpreter lock from every request. Each job runs in a process of its own (started with
`spawn`, never `fork` from a threaded server), one at a time; the others queue. A job can be
cancelled, queued or running (its process is terminated), and a worker whose controller dies
exits by itself rather than live on as an orphan. Outputs (results.json, report.html and its
PNGs) go under `<data dir>/simulations/<id>/`. Job records live in memory: after a restart the
files remain but the list starts empty.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from controller.errors import OverLimitError, UnknownReferenceError
from policies.governance import PolicyLookup
from policies.policy import Policy
from simulator.model import simulate
from simulator.run import write_outputs
from simulator.scenario.load import Setup, load_scenario_text, parse_scenario
from telemetry.private_files import private_dir


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


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


ERROR_FILE = "error.txt"


def _run(text: str, outdir: str, policy: str, label: str, parent: int) -> None:
    """In the worker process. A stored policy version is the one resolved at submission."""
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    try:
        resolved = Policy.model_validate_json(policy)
        setup = load_scenario_text(text, source="request body", stored=lambda *_: (resolved, label))
        write_outputs(simulate(setup), outdir)
    except Exception as exc:  # reported as the job's error, by the controller
        (Path(outdir) / ERROR_FILE).write_text(f"{type(exc).__name__}: {exc}", "utf-8")
        raise SystemExit(1) from None


def _exit_with(parent: int) -> None:
    """End this worker when the controller that started it is gone (killed, say)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(3)


class Jobs:
    def __init__(
        self, root: Path, stored: PolicyLookup, max_site_ticks: int = DEFAULT_MAX_SITE_TICKS
    ) -> None:
        self._root = root
        self._stored = stored
        self._max_site_ticks = max_site_ticks
        self._jobs: dict[str, Job] = {}
        self._work: dict[str, tuple[str, str, str]] = {}  # queued: (scenario, policy, label)
        self._queue: deque[str] = deque()
        self._running: tuple[str, BaseProcess] | None = None
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._runner: threading.Thread | None = None
        self._closed = False

    def submit(self, text: str, actor: str) -> Job:
        setup = check_scenario(text, self._stored, self._max_site_ticks)
        job = Job(secrets.token_hex(6), JobStatus.QUEUED, actor, datetime.now(UTC))
        outdir = private_dir(self._root / job.id)  # results may name every site
        with self._lock:
            self._jobs[job.id] = replace(job, outdir=outdir)
            self._work[job.id] = (text, setup.policy.model_dump_json(), setup.policy_label)
            self._queue.append(job.id)
            if self._runner is None:
                self._runner = threading.Thread(target=self._run_jobs, daemon=True)
                self._runner.start()
            self._wake.notify()
        return self.get(job.id)

    def get(self, job_id: str) -> Job:
        """The job; raises KeyError for an unknown id."""
        with self._lock:
            return self._jobs[job_id]

    def count(self, status: JobStatus) -> int:
        """How many jobs are in `status` now."""
        with self._lock:
            return sum(1 for job in self._jobs.values() if job.status is status)

    def all(self) -> list[Job]:
        ids = sorted(self._jobs, key=lambda i: self._jobs[i].submitted_at, reverse=True)
        return [self.get(i) for i in ids]

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued or running job (its worker is terminated); a finished job is
        returned as it is. Raises KeyError for an unknown id."""
        with self._lock:
            job = self._jobs[job_id]
            if job.status is JobStatus.QUEUED:
                self._queue.remove(job_id)
                self._work.pop(job_id, None)
                self._jobs[job_id] = replace(
                    job, status=JobStatus.CANCELLED, finished_at=datetime.now(UTC)
                )
            elif self._running is not None and self._running[0] == job_id:
                self._cancelled.add(job_id)
                self._running[1].terminate()
            return self._jobs[job_id]

    def close(self) -> None:
        """Stop: queued jobs are dropped, a running worker is terminated."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            if self._running is not None:
                self._running[1].terminate()
            self._wake.notify()
        if self._runner is not None:
            self._runner.join(timeout=10)

    def _run_jobs(self) -> None:
        context = multiprocessing.get_context("spawn")
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                job_id = self._queue.popleft()
                text, policy, label = self._work.pop(job_id)
                outdir = self._jobs[job_id].outdir
                worker = context.Process(
                    target=_run, args=(text, str(outdir), policy, label, os.getpid()), daemon=True
                )
                worker.start()
                self._running = (job_id, worker)
                self._jobs[job_id] = replace(self._jobs[job_id], status=JobStatus.RUNNING)
            worker.join()
            with self._lock:
                self._running = None
                self._finish(job_id, worker.exitcode)

    def _finish(self, job_id: str, exitcode: int | None) -> None:
        job = self._jobs[job_id]
        error = None
        if job_id in self._cancelled:
            status = JobStatus.CANCELLED
        elif exitcode == 0:
            status = JobStatus.DONE
        else:
            status = JobStatus.FAILED
            report = job.outdir / ERROR_FILE if job.outdir is not None else None
            error = (
                report.read_text("utf-8")
                if report is not None and report.is_file()
                else f"the worker ended with exit code {exitcode}"
            )
        self._jobs[job_id] = replace(job, status=status, finished_at=datetime.now(UTC), error=error)

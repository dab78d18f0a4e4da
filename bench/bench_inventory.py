"""Generate and validate the reference network at scale: wall time per phase and peak memory.

    .venv/bin/python -m bench.bench_inventory --branches 10000

Target (issue "Foundation"): 10,000 branches generated and validated in under 10 s on one core.
Peak memory is the process's maximum resident set size, so run it in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time

from sites.generator import generate_reference_network
from sites.loader import dump_inventory, load_inventory_text


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_once(branches: int, seed: int) -> dict[str, float]:
    t0 = time.perf_counter()
    inventory = generate_reference_network(branches, seed)
    t1 = time.perf_counter()
    text = dump_inventory(inventory)
    t2 = time.perf_counter()
    loaded = load_inventory_text(text, source="bench")
    t3 = time.perf_counter()
    assert len(loaded.sites) == branches + 1
    return {
        "generate": t1 - t0,
        "write_yaml": t2 - t1,
        "validate": t3 - t2,
        "total": t3 - t0,
        "yaml_mib": len(text.encode()) / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # "on one core"
    baseline = peak_rss_mib()
    runs = [run_once(args.branches, args.seed) for _ in range(args.repeat)]
    med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(f"reference network, {args.branches} branches, seed {args.seed}, one core, "
          f"median of {args.repeat} runs")  # fmt: skip
    print(f"  generate    {med['generate']:6.2f} s")
    print(f"  write YAML  {med['write_yaml']:6.2f} s   ({med['yaml_mib']:.1f} MiB)")
    print(f"  validate    {med['validate']:6.2f} s   (parse + every model and rule)")
    print(f"  total       {med['total']:6.2f} s   (target < 10 s)")
    print(f"  peak RSS    {peak_rss_mib():6.0f} MiB (interpreter and imports: {baseline:.0f} MiB)")
    print(f"reproduce: .venv/bin/python -m bench.bench_inventory --branches {args.branches} "
          f"--seed {args.seed} --repeat {args.repeat}")  # fmt: skip
    sys.exit(0 if med["total"] < 10 else 1)


if __name__ == "__main__":
    main()

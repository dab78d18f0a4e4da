"""`make demo` on a fresh clone, as a newcomer runs it: from `git clone` to a working map, set-up
included (the virtual environment made, the project and its dependencies installed from the
package index, the network generated, the controller up, the CPEs reporting). Target (issue
13): under 2 minutes.

    .venv/bin/python -m bench.bench_demo

A working map: `/map` (signed in with the token the demo prints) answers its page, and
`/map/status.json` colours every branch from telemetry (no site grey for want of data, beyond
the ones still being opened). Each phase's time is printed: clone, set-up and start (until the
demo prints its address), map ready. The demo is then stopped with Ctrl-C (SIGINT to its process
group, as a terminal sends it) and the time it takes to stop is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r"admin token: (bl_\S+)")
GREY = 1  # the status code of a site with no data (telemetry.map.rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=18095)
    parser.add_argument("--source", default=str(HERE), help="the repository to clone")
    parser.add_argument("--cold", action="store_true",
                        help="pip cache off: each package fetched as on a new machine")  # fmt: skip
    args = parser.parse_args()
    print("command: python -m bench.bench_demo " + " ".join(sys.argv[1:]), flush=True)
    figures = run(args.source, args.port, cold=args.cold)
    print(json.dumps(figures, indent=1))
    print(f"make demo on a fresh clone: a working map {figures['map_ready_s']} s after "
          f"`git clone` (clone {figures['clone_s']} s, set-up and start "
          f"{figures['started_s']} s); stopped by Ctrl-C in {figures['stop_s']} s")  # fmt: skip
    print(f"reproduce: .venv/bin/python -m bench.bench_demo {' '.join(sys.argv[1:])}")


def run(source: str, port: int, *, cold: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        clone, data = Path(tmp) / "branchline", Path(tmp) / "data"
        began = time.monotonic()
        subprocess.run(["git", "clone", "-q", source, str(clone)], check=True)
        cloned = time.monotonic()
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        env |= {"BRANCHLINE_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
        if cold:
            env["PIP_NO_CACHE_DIR"] = "1"
        proc = subprocess.Popen(
            ["make", "demo", f"PORT={port}"], cwd=clone, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        lines: list[str] = []
        assert proc.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
        reader.start()
        try:
            base = f"http://127.0.0.1:{port}"
            token = _wait(lambda: _token(lines), proc, lines)
            started = time.monotonic()
            _wait(lambda: _map_works(base, token), proc, lines)
            ready = time.monotonic()
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=120)
            stopped = time.monotonic()
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return {
            "clone_s": round(cloned - began, 1),
            "started_s": round(started - cloned, 1),
            "map_ready_s": round(ready - began, 1),
            "stop_s": round(stopped - ready, 1),
            "pip_cache": "off" if cold else "as this machine has it",
            "installed_from": (env.get("PIP_INDEX_URL") or "the default package index")
            + (f" (and {env['PIP_FIND_LINKS']})" if env.get("PIP_FIND_LINKS") else ""),
        }


def _wait(check: Any, proc: subprocess.Popen[str], lines: list[str], timeout_s: float = 600
          ) -> Any:  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("make demo stopped:\n" + "".join(lines[-40:]))
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"not within {timeout_s:g} s:\n" + "".join(lines[-40:]))


def _token(lines: list[str]) -> str | None:
    return next((m.group(1) for line in lines if (m := TOKEN.search(line))), None)


def _map_works(base: str, token: str) -> bool:
    headers = {"Authorization": f"Bearer {token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{base}/map", headers=headers),
                                timeout=10) as page:  # fmt: skip
        if page.status != 200 or b"bl-search" not in page.read():
            return False
    request = urllib.request.Request(f"{base}/map/status.json", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        status = json.loads(answer.read())
    opening = set(status["opening"])
    codes = [c for site, c in status["status"].items() if site not in opening]
    return bool(codes) and GREY not in codes


if __name__ == "__main__":
    main()

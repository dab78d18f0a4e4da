"""Killing the controller in the middle of a policy update leaves the old version or the new
one, never something in between: a real `branchline serve` process is stopped with SIGKILL while
its transaction is open, and again just after it committed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from controller.auth.principal import Role
from controller.settings import Settings
from controller.stores import open_store
from policies.policy import Policy
from tests.components import free_port

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

# Runs the real CLI, with one SQLAlchemy event hook that parks the process at a chosen point of
# the policy write so the test can kill it exactly there.
LAUNCHER = """
import sys, time, pathlib
from sqlalchemy import event
from sqlalchemy.orm import Session
from controller.db.tables import PolicyVersionRow

marker, moment, port = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]

def park(session, *_):
    if any(isinstance(o, PolicyVersionRow) for o in session.info.get("seen", ())):
        marker.write_text(moment)
        time.sleep(120)

@event.listens_for(Session, "before_flush")
def remember(session, *_):
    session.info.setdefault("seen", []).extend(session.new)

event.listen(Session, "after_flush" if moment == "before-commit" else "after_commit", park)

from controller.cli import main
sys.argv = ["branchline", "serve", "--port", port]
main()
"""


def wait_for(predicate: object, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(("moment", "survivor"), [("before-commit", 1), ("after-commit", 2)])
def test_kill_during_policy_update(
    settings: Settings, tmp_path: Path, moment: str, survivor: int
) -> None:
    store = open_store(settings)
    store.users.add("root", Role.ADMIN, None, actor="test-setup")
    token = store.users.create_token("root", "", actor="test-setup").text
    v1 = Policy().model_copy(update={"predictive_return": False})
    store.policies.update("default", v1, "first", 0, actor="root")
    store.engine.dispose()

    port = free_port()
    marker = tmp_path / "parked"
    env = {**os.environ, "BRANCHLINE_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["BRANCHLINE_DATABASE_URL"] = settings.database_url
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(marker), moment, str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        up = wait_for(lambda: _responds(f"{base}/health"))
        assert up, "the controller did not start"
        v2 = Policy().model_dump(mode="json")
        request = threading.Thread(
            target=_put_quietly,
            args=(f"{base}/policies/default", token, {"policy": v2, "comment": "second"}),
            daemon=True,
        )
        request.start()
        assert wait_for(marker.exists), "the update never reached the parking point"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    store = open_store(settings)
    try:
        current = store.policies.current("default")
        versions = store.policies.versions("default")
        audit_total, _ = store.audit.list(None, "policies/default", 10, 0)
    finally:
        store.engine.dispose()
    assert current.revision == survivor
    assert [v.version for v in versions] == list(range(survivor, 0, -1))
    assert current.value == (v1 if survivor == 1 else Policy())
    assert audit_total == survivor  # the audit entry went with its change, or not at all


def _responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _put_quietly(url: str, token: str, body: object) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {token}", "If-Match": '"1"',
                 "Content-Type": "application/json"},
    )  # fmt: skip
    # The server is killed under this request: no answer is the expected outcome.
    with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=60):
        pass

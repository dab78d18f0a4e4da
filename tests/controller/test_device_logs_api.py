"""CPE logs over syslog (UDP and TCP, RFC 5424 and RFC 3164) found through the search API."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from sites.inventory import Inventory
from tests.conftest import bearer


def poll(api: TestClient, params: dict[str, Any], want: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = api.get("/api/v1/logs", params=params).json()
        if len(found) >= want:
            break
        time.sleep(0.1)
    return found


def test_udp_and_tcp_logs_are_searchable(
    store: Store, small_inventory: Inventory, tmp_path: Path
) -> None:
    store.replace_inventory(small_inventory, actor="test-setup")
    settings = Settings(data_dir=tmp_path, reconcile_interval_s=0, syslog={"udp_port": 0,
                        "tcp_port": 0})  # fmt: skip
    with TestClient(
        create_app(settings, store=store), headers=bearer(store, "root", Role.ADMIN)
    ) as api:
        receiver = api.app.state.syslog_receiver  # type: ignore[attr-defined]
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.sendto(b"<188>1 2026-11-23T10:00:00Z br-hangzhou-001 bfd - - - mpls-1 session down",
                   ("127.0.0.1", receiver.udp_port))  # fmt: skip
        udp.close()
        message = b"<30>Nov 23 10:00:05 HZ-0001 ifmgr: inet-1 link up"  # RFC 3164, by serial
        with socket.create_connection(("127.0.0.1", receiver.tcp_port)) as tcp:
            tcp.sendall(str(len(message)).encode() + b" " + message)

        both = poll(api, {"site": "br-hangzhou-001"}, want=2)
        assert sorted(r["message"] for r in both) == ["inet-1 link up", "mpls-1 session down"]
        warnings = api.get(
            "/api/v1/logs", params={"site": "br-hangzhou-001", "severity": "warning"}
        )
        assert [r["message"] for r in warnings.json()] == ["mpls-1 session down"]  # 188: warning
        assert [r["app_name"] for r in poll(api, {"text": "LINK UP"}, want=1)] == ["ifmgr"]
        early = api.get("/api/v1/logs", params={"until": "2026-11-23T10:00:01Z"}).json()
        assert [r["message"] for r in early] == ["mpls-1 session down"]

        lhasa = TestClient(api.app, headers=bearer(store, "ls", Role.VIEWER, ["br-lhasa-001"]))
        assert lhasa.get("/api/v1/logs").status_code == 403
        assert lhasa.get("/api/v1/logs", params={"site": "br-hangzhou-001"}).status_code == 403
        assert lhasa.get("/api/v1/logs", params={"site": "br-lhasa-001"}).json() == []
        assert api.get("/api/v1/logs", params={"severity": "loud"}).status_code == 422

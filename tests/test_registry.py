"""The one registry of named implementations: nothing is imported until a name is resolved, an
unknown name is an error listing the known ones, and bad options name each bad field."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sites.registry import Registry
from telemetry.alarms.notify import NotifyError
from telemetry.alarms.notify.registry import NOTIFIERS, open_notifier
from telemetry.errors import StoreSettingsError, UnknownBackendError
from telemetry.store.registry import STORES, open_store


def test_a_registered_module_is_imported_only_when_resolved() -> None:
    probe = (
        "import sys\n"
        "from telemetry.store.registry import STORES\n"
        "from telemetry.alarms.notify.registry import NOTIFIERS\n"
        "before = {m for m in ('telemetry.store.influx', 'telemetry.alarms.notify.webhook')"
        " if m in sys.modules}\n"
        "NOTIFIERS.resolve('webhook')\n"
        "print(sorted(before), 'telemetry.alarms.notify.webhook' in sys.modules,"
        " 'telemetry.store.influx' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()  # fmt: skip
    assert out == ["[]", "True", "False"]


def test_unknown_names_list_the_known_ones() -> None:
    with pytest.raises(UnknownBackendError, match="no telemetry store 'sqlite'; known: embedded"):
        STORES.resolve("sqlite")
    with pytest.raises(NotifyError, match="known: email, webhook"):
        NOTIFIERS.resolve("pager")
    plain: Registry[object] = Registry("thing", {"a": "json:dumps"})
    with pytest.raises(LookupError, match="no thing 'b'; known: a"):
        plain.resolve("b")
    with pytest.raises(ValueError, match="module:attribute"):
        plain.register("c", "json.dumps")


def test_bad_options_name_the_field() -> None:
    with pytest.raises(NotifyError, match="alarm notifier 'email': sender"):
        open_notifier("email", host="127.0.0.1", sender="nobody", recipients=["noc@x.test"])
    with pytest.raises(
        StoreSettingsError, match="telemetry store 'embedded': path: Field required; pathh"
    ):
        open_store("embedded", pathh="/tmp/x.db")
    mailer = open_notifier("email", sender="bl@x.test", recipients=["noc@x.test"])
    assert mailer.name == "email"

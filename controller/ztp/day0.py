"""A device's day-0 bootstrap, signed with the controller's key (`controller.ztp.signing`): what
a factory-default CPE gets when it calls home, and what a USB bundle carries.

- where the controller is;
- a login for the controller on this device alone (an Ed25519 key made for it; the device
  authorizes its public half, the controller keeps the private half owner-only in the data
  directory, and a later bootstrap of the same device replaces both);
- the device's platform and its day-0 configuration (`sites.config.build.day0_config`: enough to
  reach the controller; the controller then pushes and confirms the whole configuration);
- when it was issued and until when the device may take it;
- in the call-home's answer only, where and with which token of its own (role `device`, its
  site only) it reports its telemetry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controller.configs.intended import intended_configs
from controller.errors import ConflictError
from controller.settings import Settings
from controller.store.facade import Store
from controller.ztp.signing import SigningKey
from sites.bootstrap import Signed
from sites.config.build import day0_config
from sites.config.render import render
from telemetry.private_files import private_dir, private_file

ACTOR = "controller:ztp"


class Day0Error(ConflictError):
    """The device's configuration cannot be built from what is stored (the message says why)."""


@dataclass(frozen=True, slots=True)
class Day0:
    signed: Signed
    credentials_ref: str
    """Where the controller's login for the device is kept (`file:...`)."""


class Day0Signer:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.keys = SigningKey(settings.data_dir / "ztp")

    def sign(
        self, site: str, serial: str, issued_at: datetime, expires_at: datetime, *,
        telemetry: bool = True,
    ) -> Day0:  # fmt: skip
        """The device's signed bootstrap; with `telemetry`, a token of its own to report its
        telemetry with (revoking any it had): only over the call-home's HTTPS, never in a USB
        bundle."""
        intended, unbuildable = intended_configs(self.store, self.settings, [site])
        if serial not in intended:
            why = unbuildable.get(serial, (site, "no configuration"))[1]
            raise Day0Error(f"{serial}: its configuration cannot be built: {why}")
        device = intended[serial]
        user = self.settings.ztp.device_user
        credentials_ref, authorized = self._login(serial, user)
        document = {
            "serial": serial, "site": site,
            "controller": {"url": self.settings.ztp.public_url,
                           "address": str(self.settings.devices.advertise_address),
                           "port": self.settings.port},
            "login": {"username": user, "authorized_key": authorized},
            "platform": device.platform.value,
            "config": render(day0_config(device.config), device.platform),
            "issued_at": issued_at.isoformat(), "expires_at": expires_at.isoformat(),
        }  # fmt: skip
        if telemetry:
            token = self.store.users.device_token(serial, site, ACTOR)
            base = self.settings.ztp.public_url.rstrip("/")
            document["telemetry"] = {
                "url": f"{base}/api/v1/telemetry", "token": token.text,
                "interval_s": device.config.management.telemetry_interval_s,
            }  # fmt: skip
        return Day0(self.keys.sign(document), credentials_ref)

    def _login(self, serial: str, user: str) -> tuple[str, str]:
        """A login for this device alone: its credentials reference, and the public key the
        device is to authorize."""
        directory = private_dir(self.settings.data_dir / "ztp" / "devices" / serial)
        key = Ed25519PrivateKey.generate()
        key_file = private_file(directory / "login-key")
        key_file.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption()))  # fmt: skip
        credentials = private_file(directory / "login.json")
        credentials.write_text(json.dumps({"username": user, "key_file": str(key_file)}))
        public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH)  # fmt: skip
        return f"file:{Path(credentials).resolve()}", public.decode()

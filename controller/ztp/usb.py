"""USB bundles: a branch opened with no link and no DHCP. The operator writes a signed bundle
for one device of the site (`branchline ztp usb-bundle SITE --serial S -o FILE`); someone plugs
it into the CPE at the branch. The CPE verifies it (with the controller's key from its factory
settings, or the one the bundle carries when it has none), applies its day-0, which tells it
where the controller is, and calls home; from there the branch opens as from a claimed link.

Writing a bundle is an invitation already claimed by the device's serial: it revokes the site's
open invitations, and the site is `claimed`. The bundle holds no secret but the device's login
key's public half; its bootstrap expires (`ztp.usb_ttl_h`, 14 days by default)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from controller.auth.tokens import hash_secret
from controller.errors import NotFoundError, UnknownReferenceError
from controller.settings import Settings
from controller.store.facade import Store
from controller.store.ztp_store import Invite
from controller.ztp.day0 import Day0Signer
from sites.bootstrap import bundle_text, public_text


def usb_bundle(
    store: Store, settings: Settings, site_id: str, serial: str, *, actor: str,
    ttl_h: float | None = None,
) -> tuple[Invite, str]:  # fmt: skip
    """The invitation the bundle stands for, and the bundle's text (see module)."""
    _, inventory = store.current.get()
    site = next((s for s in inventory.sites if s.id == site_id), None)
    if site is None:
        raise NotFoundError(f"no site with id {site_id!r}")
    if serial not in {c.serial for c in site.cpes}:
        raise UnknownReferenceError(f"serial: {serial} is not a device of {site_id}", "serial")
    now = datetime.now(UTC).replace(microsecond=0)
    expires = now + timedelta(hours=ttl_h if ttl_h is not None else settings.ztp.usb_ttl_h)
    signer = Day0Signer(store, settings)
    # Before the invite: nothing half-made. No telemetry token: the bundle travels by hand,
    # and its call-home gets one.
    day0 = signer.sign(site_id, serial, now, expires, telemetry=False)
    unusable = hash_secret(secrets.token_urlsafe(24))  # a bundle has no link
    invite = store.ztp.invite(site_id, "", unusable, expires, actor, usb_serial=serial)
    return invite, bundle_text(day0.signed, public_text(signer.keys.public()))

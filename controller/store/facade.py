"""The store as a whole: one handle for every resource of the controller's database, and the
current inventory every reader shares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from controller.store.alarm_store import DatabaseAlarmStore
from controller.store.audit import AuditLog
from controller.store.catalogue_store import Applications, SlaClasses
from controller.store.config_store import Configs
from controller.store.current import CurrentInventory
from controller.store.device_store import Devices
from controller.store.inventory_store import Inventories, Summary
from controller.store.outbox_store import DatabaseOutboxStore
from controller.store.path_store import Paths
from controller.store.policy_store import Policies, utc_now
from controller.store.site_store import Sites
from controller.store.user_store import Users
from controller.store.ztp_store import Ztp
from sites.inventory import Inventory


class Store:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.inventories = Inventories(engine)
        self.sites = Sites(engine)
        self.sla_classes = SlaClasses(engine)
        self.applications = Applications(engine)
        self.users = Users(engine)
        self.audit = AuditLog(engine)
        self.policies = Policies(engine, clock)
        self.current = CurrentInventory(self.audit, self.inventories.read)
        """The inventory as of the newest write, shared by every reader."""
        self.paths = Paths(engine)
        self.alarms = DatabaseAlarmStore(engine)
        self.outbox = DatabaseOutboxStore(engine)
        self.devices = Devices(engine)
        """Enrolled CPEs: management endpoints and pinned host keys."""
        self.configs = Configs(engine)
        """Configuration versions per CPE, and push jobs."""
        self.ztp = Ztp(engine)
        """Sites being opened: lifecycle, timeline, invitations."""

    def summary(self) -> Summary:
        return self.inventories.summary()

    def is_empty(self) -> bool:
        return self.inventories.is_empty()

    def replace_inventory(self, inventory: Inventory, actor: str) -> None:
        """Replace everything with a validated inventory in one transaction: all or nothing."""
        generation = self.inventories.replace(inventory, actor)
        # What was just stored is what an export would read back: readers after this write
        # (the reconciler's placement tick first) need not read 10,000 sites again.
        self.current.adopt(generation, inventory)

    def export_inventory(self) -> Inventory:
        """Everything stored, as one Inventory. Raises NoInventoryError before the first
        import. Kept until the next write (see `CurrentInventory`) and shared by every reader."""
        return self.current.inventory()

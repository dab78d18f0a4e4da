"""The inventory as a whole: replaced in one transaction by an import, read back in one piece."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import TypeAdapter
from sqlalchemy import Connection, Engine, Text, cast, delete, func, insert, select
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import (
    ApplicationRow,
    CpeRow,
    HubAttachmentRow,
    LinkRow,
    MetaRow,
    SiteRow,
    SlaClassRow,
)
from controller.errors import NoInventoryError
from controller.store.audit import record
from sites.applications import Application, SlaClass
from sites.inventory import Inventory
from sites.overlay import OverlayPolicy
from sites.site import Site

_SITES = TypeAdapter(list[Site])
_SLA_CLASSES = TypeAdapter(list[SlaClass])
_APPLICATIONS = TypeAdapter(list[Application])


def _docs(conn: Connection, row: type[SiteRow | SlaClassRow | ApplicationRow]) -> str:
    """The documents of a table, in inventory order, as one JSON array text."""
    texts = conn.execute(select(cast(row.doc, Text)).order_by(row.position)).scalars()
    return "[" + ",".join(texts) + "]"


# Children first: the order in which a wholesale replace empties the tables.
_TABLES = (HubAttachmentRow, LinkRow, CpeRow, SiteRow, ApplicationRow, SlaClassRow, MetaRow)


@dataclass(frozen=True, slots=True)
class Summary:
    organisation: str
    sites: int


class Inventories:
    """Whole-inventory import and export (single resources: `Sites`, `SlaClasses`, ...)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = for_writing(engine)

    def summary(self) -> Summary:
        with Session(self.engine) as session:
            organisation = session.get(MetaRow, "organisation")
            return Summary(
                organisation=organisation.doc["name"] if organisation else "",
                sites=int(session.scalar(select(func.count()).select_from(SiteRow)) or 0),
            )

    def is_empty(self) -> bool:
        with Session(self.engine) as session:
            return session.scalar(select(SiteRow.id).limit(1)) is None

    def replace(self, inventory: Inventory, actor: str) -> int:
        """Replace everything with a validated inventory in one transaction: all or nothing.
        Returns the generation (the audit entry's id) it made."""
        with Session(self._writer) as session, session.begin():
            for table in _TABLES:
                session.execute(delete(table))
            session.execute(
                insert(MetaRow),
                [
                    {"key": "organisation", "doc": {"name": inventory.organisation}},
                    {"key": "overlay", "doc": inventory.overlay.model_dump(mode="json")},
                ],
            )
            session.execute(
                insert(SlaClassRow),
                [
                    {"name": c.name, "position": n, "revision": 1, "doc": c.model_dump(mode="json")}
                    for n, c in enumerate(inventory.sla_classes, 1)
                ],
            )
            if inventory.applications:
                session.execute(
                    insert(ApplicationRow),
                    [
                        {"name": a.name, "sla_class": a.sla_class, "position": n, "revision": 1,
                         "doc": a.model_dump(mode="json")}
                        for n, a in enumerate(inventory.applications, 1)
                    ],
                )  # fmt: skip
            _insert_sites(session, inventory.sites)
            summary = {"sites": len(inventory.sites), "applications": len(inventory.applications),
                       "sla_classes": len(inventory.sla_classes)}  # fmt: skip
            entry = record(session, actor, "import", "inventory", before=None, after=summary)
            session.flush()
            return entry.id

    def read(self) -> Inventory:
        """Everything stored, as one Inventory (validated again: what is stored is consistent).
        Raises NoInventoryError before the first import."""
        # Documents come back as JSON text and are validated in one call (pydantic's core),
        # not decoded to dicts and validated one by one: 10,000 sites in ~0.5 s, not ~1.5 s.
        with self.engine.connect() as conn:
            meta = {row.key: row.doc for row in conn.execute(select(MetaRow.key, MetaRow.doc))}
            classes = _docs(conn, SlaClassRow)
            apps = _docs(conn, ApplicationRow)
            sites = _docs(conn, SiteRow)
        if sites == "[]" or classes == "[]":  # never imported, or every site deleted since
            raise NoInventoryError
        return Inventory(
            organisation=meta.get("organisation", {}).get("name", "Branchline"),
            overlay=OverlayPolicy.model_validate(meta.get("overlay", {})),
            sla_classes=tuple(_SLA_CLASSES.validate_json(classes)),
            applications=tuple(_APPLICATIONS.validate_json(apps)),
            sites=tuple(_SITES.validate_json(sites)),
        )


def _insert_sites(session: Session, sites: tuple[Site, ...]) -> None:
    session.execute(
        insert(SiteRow),
        [
            {
                "id": s.id,
                "position": n,
                "role": s.role.value,
                "branch_class": s.branch_class.value if s.branch_class else None,
                "city": s.city,
                "revision": 1,
                "doc": s.model_dump(mode="json"),
            }
            for n, s in enumerate(sites, 1)
        ],
    )
    session.execute(
        insert(CpeRow),
        [
            {"serial": c.serial, "site_id": s.id, "management_address": str(c.management_address)}
            for s in sites
            for c in s.cpes
        ],
    )
    session.execute(
        insert(LinkRow),
        [
            {"site_id": s.id, "link_id": k.id, "transport": k.transport.value, "role": k.role.value}
            for s in sites
            for k in s.links
        ],
    )
    attachments = [{"site_id": s.id, "hub_id": hub} for s in sites for hub in s.hubs]
    if attachments:
        session.execute(insert(HubAttachmentRow), attachments)

"""Sites with their CPEs and links: documents plus the rows that keep the network consistent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, Select, delete, exists, func, select
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import CpeRow, HubAttachmentRow, LinkRow, SiteRow
from controller.errors import ConflictError, NotFoundError, UnknownReferenceError
from controller.store.audit import record
from controller.store.revisions import Stored, check_revision
from sites.enums import BranchClass, SiteRole, Transport
from sites.site import Site


@dataclass(frozen=True, slots=True)
class SiteFilter:
    role: SiteRole | None = None
    branch_class: BranchClass | None = None
    city: str | None = None
    transport: Transport | None = None
    within: frozenset[str] | None = None  # a scoped caller sees only these


class Sites:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = for_writing(engine)

    def list(self, where: SiteFilter, limit: int, offset: int) -> tuple[int, list[Site]]:
        """(how many match, one page of them in inventory order)."""
        query = _filtered(select(SiteRow), where)
        with Session(self._engine) as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(query.order_by(SiteRow.position).limit(limit).offset(offset))
            return int(total), [Site.model_validate(row.doc) for row in rows]

    def exists(self, site_id: str) -> bool:
        with Session(self._engine) as session:
            return session.scalar(select(SiteRow.id).where(SiteRow.id == site_id)) is not None

    def get(self, site_id: str) -> Stored[Site]:
        with Session(self._engine) as session:
            row = session.get(SiteRow, site_id)
            if row is None:
                raise NotFoundError(f"no site with id {site_id!r}")
            return Stored(Site.model_validate(row.doc), row.revision)

    def create(self, site: Site, actor: str) -> Stored[Site]:
        with Session(self._writer) as session, session.begin():
            if session.get(SiteRow, site.id) is not None:
                raise ConflictError(f"a site with id {site.id!r} already exists", "id")
            _check_references(session, site)
            position = session.scalar(select(func.coalesce(func.max(SiteRow.position), 0))) or 0
            session.add(_site_row(site, position + 1))
            session.flush()
            _add_children(session, site)
            record(
                session,
                actor,
                "create",
                f"sites/{site.id}",
                before=None,
                after=site.model_dump(mode="json"),
            )
        return Stored(site, 1)

    def replace(self, site_id: str, site: Site, expected: int, actor: str) -> Stored[Site]:
        if site.id != site_id:
            raise UnknownReferenceError(
                f"the body is site {site.id!r} but the URL names {site_id!r}; "
                "renaming is delete and create",
                "id",
            )
        with Session(self._writer) as session, session.begin():
            row = session.get(SiteRow, site_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no site with id {site_id!r}")
            check_revision(expected, row.revision, f"site {site_id!r}")
            if site.role is SiteRole.SPOKE:
                _refuse_if_spokes_attached(session, site_id, "make it a spoke")
            _check_references(session, site)
            for table in (CpeRow, LinkRow, HubAttachmentRow):
                session.execute(delete(table).where(table.site_id == site_id))
            session.flush()
            before, row.doc = row.doc, site.model_dump(mode="json")
            record(session, actor, "replace", f"sites/{site_id}", before=before, after=row.doc)
            row.role, row.branch_class, row.city = site.role, site.branch_class, site.city
            row.revision += 1
            _add_children(session, site)
            return Stored(site, row.revision)

    def delete(self, site_id: str, expected: int, actor: str) -> None:
        with Session(self._writer) as session, session.begin():
            row = session.get(SiteRow, site_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no site with id {site_id!r}")
            check_revision(expected, row.revision, f"site {site_id!r}")
            _refuse_if_spokes_attached(session, site_id, "delete it")
            record(session, actor, "delete", f"sites/{site_id}", before=row.doc, after=None)
            session.delete(row)


def _filtered(query: Select[SiteRow], where: SiteFilter) -> Select[SiteRow]:
    if where.within is not None:
        query = query.where(SiteRow.id.in_(sorted(where.within)))
    if where.role is not None:
        query = query.where(SiteRow.role == where.role.value)
    if where.branch_class is not None:
        query = query.where(SiteRow.branch_class == where.branch_class.value)
    if where.city is not None:
        query = query.where(func.lower(SiteRow.city) == where.city.lower())
    if where.transport is not None:
        query = query.where(
            exists().where(
                (LinkRow.site_id == SiteRow.id) & (LinkRow.transport == where.transport.value)
            )
        )
    return query


def _site_row(site: Site, position: int) -> SiteRow:
    return SiteRow(
        id=site.id,
        position=position,
        role=site.role.value,
        branch_class=site.branch_class.value if site.branch_class else None,
        city=site.city,
        revision=1,
        doc=site.model_dump(mode="json"),
    )


def _add_children(session: Session, site: Site) -> None:
    session.add_all(
        [
            CpeRow(serial=c.serial, site_id=site.id, management_address=str(c.management_address))
            for c in site.cpes
        ]
        + [
            LinkRow(site_id=site.id, link_id=k.id, transport=k.transport.value, role=k.role.value)
            for k in site.links
        ]
        + [HubAttachmentRow(site_id=site.id, hub_id=hub) for hub in site.hubs]
    )


def _check_references(session: Session, site: Site) -> None:
    """Hubs exist and are hubs; CPE serials and addresses are not another site's."""
    if site.role is SiteRole.SPOKE and not site.hubs:
        raise UnknownReferenceError("a spoke must attach to at least one hub", "hubs")
    found = session.execute(select(SiteRow.id, SiteRow.role).where(SiteRow.id.in_(site.hubs)))
    roles = {row.id: row.role for row in found}
    for j, hub in enumerate(site.hubs):
        if hub not in roles:
            raise UnknownReferenceError(f"no site with id {hub!r}", f"hubs[{j}]")
        if roles[hub] != SiteRole.HUB.value:
            raise UnknownReferenceError(f"{hub!r} is a spoke, not a hub", f"hubs[{j}]")
    for i, cpe in enumerate(site.cpes):
        address = str(cpe.management_address)
        owner = session.execute(
            select(CpeRow.site_id, CpeRow.serial)
            .where((CpeRow.serial == cpe.serial) | (CpeRow.management_address == address))
            .where(CpeRow.site_id != site.id)
        ).first()
        if owner is not None:
            field = "serial" if owner.serial == cpe.serial else "management_address"
            value = cpe.serial if field == "serial" else address
            raise ConflictError(
                f"{value!r} is already used by site {owner.site_id!r}", f"cpes[{i}].{field}"
            )


def _refuse_if_spokes_attached(session: Session, site_id: str, action: str) -> None:
    spokes = session.scalars(
        select(HubAttachmentRow.site_id).where(HubAttachmentRow.hub_id == site_id).limit(3)
    ).all()
    if spokes:
        total = session.scalar(select(func.count()).where(HubAttachmentRow.hub_id == site_id))
        raise ConflictError(
            f"{total} spoke(s) attach to hub {site_id!r} (e.g. {', '.join(spokes)}); "
            f"move them to another hub before you {action}"
        )

"""SLA classes and applications: named documents with revisions and references between them."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import ApplicationRow, NamedDocumentRow, SlaClassRow
from controller.errors import ConflictError, NotFoundError, UnknownReferenceError
from controller.store.audit import record
from controller.store.revisions import Stored, check_revision
from sites.applications import Application, SlaClass

M = TypeVar("M", SlaClass, Application)


class NamedDocs(Generic[M]):
    """CRUD of one kind of named document. Subclasses add the references that kind has."""

    row: type[NamedDocumentRow]
    model: type[M]
    noun: str
    path: str  # audit resource prefix

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = for_writing(engine)

    def list(self) -> list[M]:
        with Session(self._engine) as session:
            rows = session.scalars(select(self.row).order_by(self.row.position)).all()
            return [self.model.model_validate(r.doc) for r in rows]

    def get(self, name: str) -> Stored[M]:
        with Session(self._engine) as session:
            row = session.get(self.row, name)
            if row is None:
                raise NotFoundError(f"no {self.noun} named {name!r}")
            return Stored(self.model.model_validate(row.doc), row.revision)

    def create(self, item: M, actor: str) -> Stored[M]:
        name = str(item.name)
        with Session(self._writer) as session, session.begin():
            if session.get(self.row, name) is not None:
                raise ConflictError(f"a {self.noun} named {name!r} already exists", "name")
            self._check_references(session, item)
            last = session.scalar(select(func.coalesce(func.max(self.row.position), 0))) or 0
            session.add(self._new_row(item, last + 1))
            record(
                session, actor, "create", f"{self.path}/{name}", before=None, after=self._doc(item)
            )
        return Stored(item, 1)

    def replace(self, name: str, item: M, expected: int, actor: str) -> Stored[M]:
        if item.name != name:
            raise UnknownReferenceError(
                f"the body names {item.name!r} but the URL names {name!r}; "
                "renaming is delete and create",
                "name",
            )
        with Session(self._writer) as session, session.begin():
            row = session.get(self.row, name, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no {self.noun} named {name!r}")
            check_revision(expected, row.revision, f"{self.noun} {name!r}")
            self._check_references(session, item)
            before = row.doc
            self._update_row(row, item)
            record(session, actor, "replace", f"{self.path}/{name}", before=before, after=row.doc)
            row.revision += 1
            return Stored(item, row.revision)

    def delete(self, name: str, expected: int, actor: str) -> None:
        with Session(self._writer) as session, session.begin():
            row = session.get(self.row, name, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no {self.noun} named {name!r}")
            check_revision(expected, row.revision, f"{self.noun} {name!r}")
            self._check_unused(session, name)
            record(session, actor, "delete", f"{self.path}/{name}", before=row.doc, after=None)
            session.execute(delete(self.row).where(self.row.name == name))

    def _doc(self, item: M) -> dict[str, Any]:
        return item.model_dump(mode="json")

    def _new_row(self, item: M, position: int) -> NamedDocumentRow:
        raise NotImplementedError

    def _update_row(self, row: NamedDocumentRow, item: M) -> None:
        row.doc = self._doc(item)

    def _check_references(self, session: Session, item: M) -> None:
        """Raise if the item names things that do not exist."""

    def _check_unused(self, session: Session, name: str) -> None:
        """Raise if deleting `name` would leave a dangling reference."""


class SlaClasses(NamedDocs[SlaClass]):
    row = SlaClassRow
    model = SlaClass
    noun = "SLA class"
    path = "sla-classes"

    def _new_row(self, item: SlaClass, position: int) -> NamedDocumentRow:
        return SlaClassRow(name=item.name, position=position, doc=self._doc(item), revision=1)

    def _check_unused(self, session: Session, name: str) -> None:
        users = session.scalars(
            select(ApplicationRow.name).where(ApplicationRow.sla_class == name).limit(5)
        ).all()
        if users:
            raise ConflictError(
                f"SLA class {name!r} is used by applications {', '.join(users)}; "
                "move them to another class first"
            )


class Applications(NamedDocs[Application]):
    row = ApplicationRow
    model = Application
    noun = "application"
    path = "applications"

    def _new_row(self, item: Application, position: int) -> NamedDocumentRow:
        return ApplicationRow(
            name=item.name,
            sla_class=item.sla_class,
            position=position,
            doc=self._doc(item),
            revision=1,
        )

    def _update_row(self, row: NamedDocumentRow, item: Application) -> None:
        assert isinstance(row, ApplicationRow)
        row.doc = self._doc(item)
        row.sla_class = item.sla_class

    def _check_references(self, session: Session, item: Application) -> None:
        if session.get(SlaClassRow, item.sla_class) is None:
            known = session.scalars(select(SlaClassRow.name).order_by(SlaClassRow.name)).all()
            raise UnknownReferenceError(
                f"unknown SLA class {item.sla_class!r} (known: {', '.join(known)})", "sla_class"
            )

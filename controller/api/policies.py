"""/api/v1/policies: tune path selection per network, branch class or site, with versions.

Scopes: `default`, `class:A|B|C`, `site:<id>`; a site uses its own override, else its class's,
else the default. Every change is a new immutable version; If-Match makes a stale one fail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field

from controller.api.auth import Operator, Viewer, check_site
from controller.api.deps import IfMatch, RowId, StoreDep
from controller.auth.principal import Principal
from controller.errors import UnknownReferenceError
from controller.store.facade import Store
from controller.store.policy_store import PolicyVersion, check_scope
from policies.lint import lint_policy
from policies.policy import Policy
from policies.probe_timers import PRESETS, PresetName
from sites.inventory import Inventory

router = APIRouter(prefix="/api/v1/policies", tags=["policies"])


class PolicyChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: Policy
    comment: str = Field(default="", max_length=500, description="why: shown in the history")


class Revert(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    comment: str = Field(default="", max_length=500)


class VersionRead(BaseModel):
    scope: str
    version: int
    author: str
    created_at: datetime | None = Field(description="None for the built-in defaults")
    comment: str
    removed: bool
    diff: list[dict[str, Any]]


class ChangeResult(VersionRead):
    warnings: list[dict[str, str]] = Field(
        default=[], description="linter warnings: the policy was saved, but look at these"
    )


class LintRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: Policy
    probe_interval_s: float = Field(
        default=1.0, ge=0.01, le=3600, description="seconds; the fastest anchor probes every 0.1 s"
    )
    probe: PresetName | None = Field(
        default=None, description="a preset's probe timers (interval, detect multiplier, recover "
        "count) instead of samples every probe_interval_s that say up or down as they are",
    )  # fmt: skip


class LintResult(BaseModel):
    ok: bool
    findings: list[dict[str, str]]
    timing: dict[str, float]


class VersionDetail(VersionRead):
    policy: Policy | None


def _read(v: PolicyVersion) -> VersionRead:
    return VersionRead(
        scope=v.scope, version=v.version, author=v.author, created_at=v.created_at,
        comment=v.comment, removed=v.policy is None, diff=v.diff,
    )  # fmt: skip


def _inventory_or_none(store: Store) -> Inventory | None:
    """The network to lint against; before the first import there is none, and the checks
    that need one are skipped."""
    return None if store.is_empty() else store.export_inventory()


def _lint_or_refuse(store: Store, policy: Policy) -> list[dict[str, str]]:
    """Refuse (422) a policy the linter finds an error in; return its warnings."""
    report = lint_policy(policy, _inventory_or_none(store))
    if report.errors:
        errors = [
            {"field": f"policy.{f.field}", "message": f"{f.code}: {f.message}"}
            for f in report.errors
        ]
        raise UnknownReferenceError(
            f"the policy cannot behave: {len(errors)} linter error(s)", errors=errors
        )
    return [f.to_dict() for f in report.warnings]


def _may_change(who: Principal, scope: str) -> None:
    """A site-scoped operator may change only the overrides of its own sites."""
    check_scope(scope)
    if who.scoped:
        if not scope.startswith("site:"):
            raise HTTPException(403, f"{scope!r} applies to many sites; {who.name} is site-scoped")
        check_site(who, scope[5:])


@router.get("")
def list_policies(store: StoreDep, _: Viewer) -> list[VersionRead]:
    """The current version of every scope (the default at version 0 until first changed)."""
    current = [_read(v) for v in store.policies.scopes()]
    if not any(v.scope == "default" for v in current):
        default = store.policies.current("default")
        current.insert(0, VersionRead(scope="default", version=default.revision, author="",
                                      created_at=None, comment="built-in defaults",
                                      removed=False, diff=[]))  # fmt: skip
    return current


@router.post("/lint")
def lint(store: StoreDep, _: Viewer, body: LintRequest) -> LintResult:
    """Check a policy against the network without saving it: what cannot behave, and the
    worst-case time to detect a failure and to fail back with the given probes."""
    report = lint_policy(body.policy, _inventory_or_none(store), body.probe_interval_s,
                         probe=PRESETS[body.probe] if body.probe else None)  # fmt: skip
    data = report.to_dict()
    return LintResult(ok=report.ok, findings=data["findings"], timing=data["timing"])


@router.get("/{scope}")
def get_policy(store: StoreDep, _: Viewer, scope: str, response: Response) -> Policy:
    stored = store.policies.current(scope)
    response.headers["ETag"] = stored.etag
    return stored.value


@router.put("/{scope}")
def change_policy(
    store: StoreDep, who: Operator, scope: str, change: PolicyChange, revision: IfMatch,
    response: Response,
) -> ChangeResult:  # fmt: skip
    """A new version of the scope's policy. Create an override with `If-Match: "0"`.
    A policy the linter finds an error in is refused (422); its warnings come back."""
    _may_change(who, scope)
    warnings = _lint_or_refuse(store, change.policy)
    version = store.policies.update(scope, change.policy, change.comment, revision, who.name)
    response.headers["ETag"] = f'"{version.version}"'
    return ChangeResult(**_read(version).model_dump(), warnings=warnings)


@router.delete("/{scope}")
def remove_override(
    store: StoreDep, who: Operator, scope: str, revision: IfMatch, response: Response
) -> VersionRead:
    """Remove a class or site override (a new version that says so); the default stays."""
    _may_change(who, scope)
    version = store.policies.update(scope, None, "override removed", revision, who.name)
    response.headers["ETag"] = f'"{version.version}"'
    return _read(version)


@router.get("/{scope}/versions")
def list_versions(store: StoreDep, _: Viewer, scope: str) -> list[VersionRead]:
    """Newest first, each with its author, time, comment and diff against the one before."""
    return [_read(v) for v in store.policies.versions(scope)]


@router.get("/{scope}/versions/{version}")
def get_version(store: StoreDep, _: Viewer, scope: str, version: RowId) -> VersionDetail:
    v = store.policies.version(scope, version)
    return VersionDetail(**_read(v).model_dump(), policy=v.policy)


@router.post("/{scope}/revert")
def revert_policy(
    store: StoreDep, who: Operator, scope: str, body: Revert, revision: IfMatch,
    response: Response,
) -> VersionRead:  # fmt: skip
    """Make an earlier version current again, as a new version: history is never rewritten."""
    _may_change(who, scope)
    version = store.policies.revert(scope, body.version, body.comment, revision, who.name)
    response.headers["ETag"] = f'"{version.version}"'
    return _read(version)

"""The CLI diff: what to type on a VRP-like device to turn its running configuration into the
intended one, computed by hier-config's Huawei VRP driver (`undo` negation, one-space indent).

Our `sdwan` sub-commands that hold one value (a link's role, an application's steering, ...) are
declared idempotent, so a changed value is re-typed rather than undone first: `link lte-1`
replaces `link inet-1` on the device, as VRP's own single-value commands do.
"""

from __future__ import annotations

from dataclasses import dataclass

from hier_config import HConfig, WorkflowRemediation, get_hconfig
from hier_config.models import IdempotentCommandsRule, MatchRule
from hier_config.platforms.driver_base import HConfigDriverRules
from hier_config.platforms.huawei_vrp.driver import HConfigDriverHuaweiVrp

_SINGLE_VALUED = {
    "sdwan site ": ("serial", "role", "branch-class"),
    "sdwan controller ": ("telemetry", "headless-after"),
    "sdwan wan-link ": (
        "interface",
        "transport",
        "carrier",
        "role",
        "bandwidth",
        "address",
        "utilization",
    ),
    "sdwan probe": ("interval", "dampening"),
    "sdwan application ": ("priority", "match protocol", "sla-class", "mode", "failover", "link"),
    "interface ": ("description", "source", "destination", "sdwan tunnel"),
}


class BranchlineVrpDriver(HConfigDriverHuaweiVrp):
    """hier-config's VRP driver, plus the single-valued commands of our `sdwan` sections."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        rules = HConfigDriverHuaweiVrp._instantiate_rules()
        ours = [
            IdempotentCommandsRule(
                match_rules=(MatchRule(startswith=section), MatchRule(re_search=f"^({command}) "))
            )
            for section, commands in _SINGLE_VALUED.items()
            for command in commands
        ]
        ours.append(IdempotentCommandsRule(match_rules=(MatchRule(re_search="^(sysname) "),)))
        # VRP indents sub-commands by one space.
        return rules.model_copy(
            update={"indentation": 1, "idempotent_commands": rules.idempotent_commands + ours}
        )


def _tree(text: str) -> HConfig:
    # `return` closes system view in `display current-configuration`; it is not configuration.
    lines = [line for line in text.splitlines() if line.strip() != "return"]
    return get_hconfig(BranchlineVrpDriver(), "\n".join(lines))


@dataclass(frozen=True, slots=True)
class CliDiff:
    """The hierarchical diff (`-`/`+` lines under their parents), the remediation (lines to
    type, in order, indented under their parents) and the rollback (what would restore the
    running configuration)."""

    diff: tuple[str, ...]
    remediation: tuple[str, ...]
    rollback: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.remediation


def cli_remediation(intended: str, running: str) -> CliDiff:
    """The lines that turn `running` into `intended` (both as the device shows them)."""
    have, want = _tree(running), _tree(intended)
    workflow = WorkflowRemediation(have, want)
    return CliDiff(
        diff=tuple(have.unified_diff(want)),
        remediation=tuple(workflow.remediation_config.dump_simple(sectional_exiting=True)),
        rollback=tuple(workflow.rollback_config.dump_simple(sectional_exiting=True)),
    )

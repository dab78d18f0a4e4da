"""A policy written as a document (YAML, or JSON): parsed and validated, every problem located.

Pure (text in, Policy out). The CLI's linter and the simulator's sweeps read policy files with
it; each raises the located problems in its own error type.
"""

from __future__ import annotations

from policies.policy import Policy
from sites.documents import load_document
from sites.errors import ProblemsError


class PolicyDocumentError(ProblemsError):
    """A policy document that cannot be read, parsed or validated."""

    what = "policy"


def parse_policy(text: str, source: str) -> Policy:
    """The Policy a YAML or JSON text describes; raises PolicyDocumentError with lines."""
    return load_document(text, source, Policy, PolicyDocumentError, json_first=True)

"""IAM policies as data, and an audit of AWS calls against one.

The drill's least-privilege policy lives in ``infra/iam/drill-runner-policy.json`` (see
``docs/iam.md``). :func:`audit` takes the calls a run made, as the client factory's observers
see them (``(service, operation, region)``), and returns every IAM action the policy does
not allow. It judges actions only: the calls carry no resource ARNs and no request context,
so ``Resource`` and ``Condition`` are not evaluated (a statement with a condition counts as
allowing its actions). Action patterns follow IAM: case-insensitive, ``*`` and ``?``
wildcards. An explicit ``Deny`` wins; ``NotAction`` is refused rather than misread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

__all__ = ["IAM_PREFIXES", "RUNNER_POLICY", "Policy", "Statement", "audit", "iam_action"]

RUNNER_POLICY = Path(__file__).parent / "iam" / "drill-runner-policy.json"

# boto3 client name, or the name the client factory's observers see, -> IAM service prefix,
# where they differ. Anything else maps to itself; a wrong guess shows up as a denied action.
IAM_PREFIXES = {
    "efs": "elasticfilesystem",
    "cloudwatchlogs": "logs",
    "elbv2": "elasticloadbalancing",
    "elasticloadbalancingv2": "elasticloadbalancing",
    "elb": "elasticloadbalancing",
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action a call needs: ``efs``/``DescribeFileSystems`` -> ``elasticfilesystem:...``."""
    key = service.lower().replace("-", "")
    return f"{IAM_PREFIXES.get(key, key)}:{operation}"


def _pattern(action: str) -> re.Pattern[str]:
    return re.compile(re.escape(action).replace(r"\*", ".*").replace(r"\?", "."), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement's effect and action patterns."""

    effect: str
    actions: tuple[str, ...]
    sid: str = ""

    def matches(self, action: str) -> bool:
        """Whether ``action`` matches one of the statement's action patterns."""
        return any(_pattern(p).fullmatch(action) for p in self.actions)


@dataclass(frozen=True)
class Policy:
    """An identity policy's statements."""

    statements: tuple[Statement, ...]
    document: dict[str, Any]

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Policy:
        """Parse a policy document (the JSON object)."""
        raw = document.get("Statement", [])
        items = [raw] if isinstance(raw, dict) else list(raw)
        return cls(tuple(_statement(item) for item in items), document)

    @classmethod
    def load(cls, path: Path = RUNNER_POLICY) -> Policy:
        """Read a policy document from a JSON file."""
        return cls.from_document(json.loads(Path(path).read_text(encoding="utf-8")))

    @cached_property
    def actions(self) -> frozenset[str]:
        """Every action pattern the policy allows, as written."""
        return frozenset(a for s in self.statements if s.effect == "Allow" for a in s.actions)

    def allows(self, action: str) -> bool:
        """Whether some Allow statement matches ``action`` and no Deny statement does."""
        if any(s.matches(action) for s in self.statements if s.effect == "Deny"):
            return False
        return any(s.matches(action) for s in self.statements if s.effect == "Allow")


def _statement(item: dict[str, Any]) -> Statement:
    if "NotAction" in item:
        raise ValueError(f"statement {item.get('Sid', '')!r} uses NotAction, which the audit "
                         "does not evaluate; list the actions instead")
    actions = item.get("Action", [])
    if item.get("Effect") not in ("Allow", "Deny"):
        raise ValueError(f"statement {item.get('Sid', '')!r} has Effect "
                         f"{item.get('Effect')!r}, expected 'Allow' or 'Deny'")
    return Statement(item["Effect"], (actions,) if isinstance(actions, str) else tuple(actions),
                     item.get("Sid", ""))


def audit(calls: Iterable[tuple[str, str, str]], policy: Policy) -> tuple[str, ...]:
    """The IAM actions of ``calls`` that ``policy`` does not allow, sorted, each once."""
    needed = {iam_action(service, operation) for service, operation, _region in calls}
    return tuple(sorted(a for a in needed if not policy.allows(a)))

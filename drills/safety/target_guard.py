"""The target guard: the checks that must pass before a drill may change anything.

Before the first mutating call the guard checks, on either backend:

1. the caller's account (``sts:GetCallerIdentity``) is in ``settings.allowed_accounts``;
2. each stack that exists carries the expected ``Environment`` tag: the primary stack
   ``{suffix}``, the DR stack ``{suffix}-dr`` (a stack that does not exist yet is noted:
   the deploy step creates it with those tags);
3. nothing the drill acts on is production, unless ``settings.allow_production`` is set.
   Production means an ``Environment`` tag whose value, lowercased and without a trailing
   ``-dr``, is ``prod`` or ``production``, or a ``DrillProtection=production`` tag. The
   guard reads the tags of both stacks, the DR database replica, the DR ECS service and
   the application's hosted zone; an environment suffix of ``prod`` or ``production`` counts
   too.

Every failed check is collected, and one :class:`SafetyRefusal` (exit 3) lists them all.
:meth:`TargetGuard.check_settings` runs the part that needs no AWS call (the embedded
backend's fixed account, the suffix), so ``drill run`` refuses those before anything starts.
:meth:`TargetGuard.gate` is a :class:`~infra.aws.ClientFactory` observer that refuses every
mutating call before it is sent until :meth:`TargetGuard.check` has passed, and afterwards
refuses mutating calls to any region other than the two configured ones.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drills.settings.config import EMBEDDED_ACCOUNT, Settings
from infra.core.actions import ApiCall, is_mutating
from infra.core.errors import SafetyRefusal

__all__ = [
    "GUARD_CALLS",
    "PRODUCTION_ENVIRONMENTS",
    "PROTECTION_TAG",
    "GuardReport",
    "TargetGuard",
    "is_production",
]

log = logging.getLogger(__name__)

PRODUCTION_ENVIRONMENTS = frozenset({"prod", "production"})
PROTECTION_TAG = ("DrillProtection", "production")
_GLOBAL = frozenset({"route53", "iam", "sts", "organizations"})

# What check() reads, in order; all read-only, so the gate lets them through.
GUARD_CALLS = (
    ApiCall("sts", "GetCallerIdentity", "caller identity", "primary"),
    ApiCall("cloudformation", "DescribeStacks", "{s.primary_stack}", "primary"),
    ApiCall("cloudformation", "DescribeStacks", "{s.dr_stack}", "dr"),
    ApiCall("rds", "DescribeDBInstances", "{s.replica_id}", "dr"),
    ApiCall("ecs", "DescribeServices", "{s.dr_cluster}/{s.dr_service}", "dr"),
    ApiCall("route53", "ListTagsForResource", "<HostedZoneId output>", "global"),
)


def is_production(tags: dict[str, str]) -> bool:
    """Whether ``tags`` mark a resource as production (see the module docstring)."""
    env = tags.get("Environment", "").strip().lower().removesuffix("-dr")
    return env in PRODUCTION_ENVIRONMENTS or tags.get(PROTECTION_TAG[0]) == PROTECTION_TAG[1]


@dataclass(frozen=True, slots=True)
class GuardReport:
    """What the guard found when it let the drill through."""

    account: str
    notes: tuple[str, ...]


class _Findings:
    """Reasons to refuse and notes, collected while checking."""

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.notes: list[str] = []


class TargetGuard:
    """Checks the target before any mutating call; a ClientFactory observer enforces it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._passed = threading.Event()
        self.report: GuardReport | None = None

    @property
    def passed(self) -> bool:
        """Whether :meth:`check` has passed."""
        return self._passed.is_set()

    def check(self, clients: Any) -> GuardReport:
        """Run every check; raises SafetyRefusal listing every reason when any fails."""
        found = _Findings()
        account = self._check_account(clients, found)
        self._check_suffix(found)
        zone = self._check_stacks(clients, found)
        self._check_resources(clients, zone, found)
        if found.reasons:
            raise SafetyRefusal(f"refusing to touch account {account or 'unknown'!s}",
                                reasons=tuple(found.reasons))
        self.report = GuardReport(account=account or "", notes=tuple(found.notes))
        self._passed.set()
        log.info("target guard passed for account %s: %s", account, found.notes)
        return self.report

    def check_settings(self) -> None:
        """The checks that need no AWS call, before anything starts; SafetyRefusal if any fails.

        The embedded backend always answers as moto's account, so an allowlist without it
        can never pass: refused here rather than after the embedded AWS has started.
        """
        found = _Findings()
        s = self.settings
        account = EMBEDDED_ACCOUNT if s.backend == "embedded" else None
        if account is not None and account not in (s.allowed_accounts or ()):
            found.reasons.append(f"account {account!r} (the embedded backend's) is not in "
                                 f"allowed_accounts {list(s.allowed_accounts or ())!r}")
        self._check_suffix(found)
        if found.reasons:
            raise SafetyRefusal(f"refusing to touch account {account or 'unknown'}",
                                reasons=tuple(found.reasons))

    def gate(self, call: tuple[str, str, str]) -> None:
        """ClientFactory observer: refuse a mutating call before it is sent, unless allowed."""
        service, operation, region = call
        if not is_mutating(operation):
            return
        if not self.passed:
            raise SafetyRefusal(f"refusing {service}:{operation} in {region}",
                                reasons=("the target guard has not passed yet",))
        s = self.settings
        if service not in _GLOBAL and region not in (s.primary_region, s.dr_region):
            raise SafetyRefusal(f"refusing {service}:{operation} in {region}", reasons=(
                f"the drill acts only in {s.primary_region} and {s.dr_region}",))

    def _check_account(self, clients: Any, found: _Findings) -> str | None:
        # No credentials or no endpoint at all (a BotoCoreError here) is not a verdict on the
        # target but bad input: it propagates, and the command says so with exit 2.
        try:
            sts = clients.client("sts", self.settings.primary_region)
            account = str(sts.get_caller_identity()["Account"])
        except ClientError as exc:
            found.reasons.append(f"could not read the caller's account: {exc}")
            return None
        allowed = self.settings.allowed_accounts or ()
        if account not in allowed:
            found.reasons.append(f"account {account!r} is not in allowed_accounts "
                                 f"{list(allowed)!r}")
        return account

    def _check_suffix(self, found: _Findings) -> None:
        suffix = self.settings.environment_suffix
        if is_production({"Environment": suffix}):
            self._production(found, f"environment suffix {suffix!r}")

    def _production(self, found: _Findings, what: str) -> None:
        if self.settings.allow_production:
            found.notes.append(f"{what} is production; allowed by allow_production")
        else:
            found.reasons.append(f"{what} is tagged as production (set allow_production "
                                 "only for a sanctioned production game day)")

    def _check_stacks(self, clients: Any, found: _Findings) -> str | None:
        """Check both stacks' tags; returns the hosted zone id from the primary's outputs."""
        s, zone = self.settings, None
        for region, stack, env in ((s.primary_region, s.primary_stack, s.environment_suffix),
                                   (s.dr_region, s.dr_stack, f"{s.environment_suffix}-dr")):
            summary = _stack(clients, region, stack, found)
            if summary is None:
                found.notes.append(f"stack {stack!r} does not exist in {region}; deploy creates "
                                   f"it tagged Environment={env}")
                continue
            tags = {t["Key"]: t["Value"] for t in summary.get("Tags") or []}
            if tags.get("Environment") != env:
                found.reasons.append(f"stack {stack!r} has Environment="
                                     f"{tags.get('Environment')!r}, expected {env!r}")
            if is_production(tags):
                self._production(found, f"stack {stack!r}")
            outputs = {o["OutputKey"]: o["OutputValue"] for o in summary.get("Outputs") or []}
            zone = zone or outputs.get("HostedZoneId")
        return zone

    def _check_resources(self, clients: Any, zone: str | None, found: _Findings) -> None:
        s = self.settings
        readers: list[tuple[str, Callable[[], dict[str, str] | None]]] = [
            (f"database {s.replica_id!r}", lambda: _db_tags(clients, s.dr_region, s.replica_id)),
            (f"ECS service {s.dr_service!r}",
             lambda: _service_tags(clients, s.dr_region, s.dr_cluster, s.dr_service)),
        ]
        if zone:
            readers.append((f"hosted zone {zone!r}", lambda: _zone_tags(clients, zone)))
        for what, read in readers:
            try:
                tags = read()
            except BotoCoreError as exc:
                # Unreadable is not "not production": refuse rather than guess.
                found.reasons.append(f"could not read the tags of {what}: {exc}")
                continue
            if tags is not None and is_production(tags):
                self._production(found, what)


def _stack(clients: Any, region: str, stack: str, found: _Findings) -> dict[str, Any] | None:
    try:
        stacks = clients.client("cloudformation", region).describe_stacks(StackName=stack)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ValidationError":
            found.reasons.append(f"could not read stack {stack!r} in {region}: {exc}")
        return None
    except BotoCoreError as exc:
        found.reasons.append(f"could not read stack {stack!r} in {region}: {exc}")
        return None
    # Keep tags and outputs only: the description may hold NoEcho parameters in clear text.
    if not stacks["Stacks"]:
        return None
    return {k: stacks["Stacks"][0].get(k) for k in ("Tags", "Outputs")}


def _db_tags(clients: Any, region: str, db_id: str) -> dict[str, str] | None:
    try:
        dbs = clients.client("rds", region).describe_db_instances(DBInstanceIdentifier=db_id)
    except ClientError:
        return None  # not there (yet): nothing to protect
    return {t["Key"]: t["Value"] for db in dbs["DBInstances"] for t in db.get("TagList", [])}


def _service_tags(clients: Any, region: str, cluster: str, service: str) -> dict[str, str] | None:
    try:
        found = clients.client("ecs", region).describe_services(
            cluster=cluster, services=[service], include=["TAGS"])["services"]
    except ClientError:
        return None
    return {t["key"]: t["value"] for svc in found for t in svc.get("tags", [])}


def _zone_tags(clients: Any, zone: str) -> dict[str, str] | None:
    try:
        answer = clients.client("route53", "us-east-1").list_tags_for_resource(
            ResourceType="hostedzone", ResourceId=zone.split("/")[-1])
    except ClientError:
        return None
    return {t["Key"]: t["Value"] for t in answer["ResourceTagSet"].get("Tags", [])}

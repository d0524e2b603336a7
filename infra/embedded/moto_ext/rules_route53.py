"""Route 53's documented rules for the stack's records and health checks.

Stock moto stores a CNAME at the zone apex, a CNAME beside other records of its name, a TTL
beyond 2^31-1, and health checks polling every 15 s, failing after 20 misses or on port 0;
Route 53 refuses each (sources below, catalogue in ``docs/fidelity.md``). Records are checked
where both the API and CloudFormation add them (the zone's ``add_rrset``/``upsert_rrset``),
health checks in the backend both call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.route53.exceptions import InvalidInput, Route53ClientError
from moto.route53.models import FakeZone, Route53Backend

from infra.embedded.moto_ext._rules import constraint, refuse, rule

__all__ = ["apply"]

_DG = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide"
_API = "https://docs.aws.amazon.com/Route53/latest/APIReference"

TTL = rule("R53-TTL-RANGE", "a record's TTL is 0-2147483647 s",
           f"{_API}/API_ResourceRecordSet.html")
APEX = rule("R53-CNAME-APEX", "no CNAME at the zone apex", f"{_DG}/ResourceRecordTypes.html"
            "#CNAMEFormat")
CONFLICT = rule("R53-CNAME-EXCLUSIVE", "a CNAME is the only record of its name",
                f"{_DG}/ResourceRecordTypes.html#CNAMEFormat")
INTERVAL = rule("R53-HC-INTERVAL", "a health check's request interval is 10 or 30 s",
                f"{_API}/API_HealthCheckConfig.html")
THRESHOLD = rule("R53-HC-FAILURE-THRESHOLD", "a health check's failure threshold is 1-10",
                 f"{_API}/API_HealthCheckConfig.html")
PORT = rule("R53-HC-PORT", "a health check's port is 1-65535",
            f"{_API}/API_HealthCheckConfig.html")
TARGET = rule("R53-HC-TARGET", "an HTTP, HTTPS or TCP health check names an IP address or a "
              "domain name", f"{_API}/API_HealthCheckConfig.html")


def _fqdn(name: str) -> str:
    return name if name.endswith(".") else f"{name}."


def _check_record(zone: FakeZone, record: dict[str, Any], *, replacing: bool) -> None:
    name, kind = _fqdn(str(record.get("Name", ""))).lower(), record.get("Type")
    ttl = record.get("TTL")
    problem = None if ttl in (None, "") else constraint(
        ttl, "changeBatch.changes.member.resourceRecordSet.tTL", 0, 2147483647)
    if problem:
        refuse(TTL, InvalidInput(problem))
    if kind == "CNAME" and name == _fqdn(zone.name).lower():
        refuse(APEX, Route53ClientError(
            "InvalidChangeBatch", f"RRSet of type CNAME with DNS name {name} is not "
            f"permitted at apex in zone {zone.name}"))
    others = {r.type for r in zone.rrsets if _fqdn(r.name).lower() == name}
    if replacing:
        others.discard(kind)
    clash = (kind == "CNAME" and others - {"CNAME"}) or (kind != "CNAME" and "CNAME" in others)
    if clash:
        refuse(CONFLICT, Route53ClientError(
            "InvalidChangeBatch", f"RRSet of type {kind} with DNS name {name} is not "
            "permitted as it conflicts with other records with the same DNS name in zone "
            f"{zone.name}"))


def _adding(inner: Callable[..., Any], *, replacing: bool) -> Callable[..., Any]:
    def change(self: FakeZone, record_set: dict[str, Any]) -> Any:
        _check_record(self, record_set, replacing=replacing)
        return inner(self, record_set)
    return change


_RANGES = ((THRESHOLD, "failure_threshold", "FailureThreshold", 1, 10),
           (PORT, "port", "Port", 1, 65535))


def _check_health_check(args: dict[str, Any], *, creating: bool) -> None:
    interval = args.get("request_interval")
    if interval is not None and interval != "" and int(interval) not in (10, 30):
        refuse(INTERVAL, InvalidInput(
            f"Invalid value for RequestInterval: {interval}. Valid values are 10 and 30."))
    for broken, key, field, low, high in _RANGES:
        value = args.get(key)
        problem = None if value in (None, "") else constraint(
            value, f"healthCheckConfig.{field[0].lower()}{field[1:]}", low, high)
        if problem:
            refuse(broken, InvalidInput(problem))
    kind = args.get("type")
    if creating and kind in ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP") and \
            not (args.get("ip_address") or args.get("fqdn")):
        refuse(TARGET, InvalidInput(
            f"A health check of type {kind} must specify an IPAddress or a "
            "FullyQualifiedDomainName."))  # est. wording


def _creating_hc(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_health_check(self: Route53Backend, caller_reference: str,
                            health_check_args: dict[str, Any]) -> Any:
        _check_health_check(health_check_args, creating=True)
        return inner(self, caller_reference, health_check_args)
    return create_health_check


def _updating_hc(inner: Callable[..., Any]) -> Callable[..., Any]:
    def update_health_check(self: Route53Backend, health_check_id: str,
                            health_check_args: dict[str, Any]) -> Any:
        _check_health_check(health_check_args, creating=False)
        return inner(self, health_check_id, health_check_args)
    return update_health_check


def apply() -> None:
    """Check Route 53's rules where records and health checks are made or changed."""
    FakeZone.add_rrset = _adding(FakeZone.add_rrset, replacing=False)  # type: ignore[method-assign]
    FakeZone.upsert_rrset = _adding(FakeZone.upsert_rrset, replacing=True)  # type: ignore[method-assign]
    Route53Backend.create_health_check = _creating_hc(Route53Backend.create_health_check)  # type: ignore[method-assign]
    Route53Backend.update_health_check = _updating_hc(Route53Backend.update_health_check)  # type: ignore[method-assign]

"""Route 53 ``TestDNSAnswer``, answered from the hosted zone's records.

Chaos Toolkit's AWS probes (and people checking a failover) call it; stock moto has no
route for it, so it answered 404. AWS returns what its name servers would answer for a
record name and type: the record's values and a DNS response code
(https://docs.aws.amazon.com/Route53/latest/APIReference/API_TestDNSAnswer.html):
``NOERROR`` with the values (an alias answers with its target's DNS name, est.: AWS resolves
the alias to addresses), ``NOERROR`` with none when the name exists with other types only,
``NXDOMAIN`` when the zone holds no such name; an unknown zone is ``NoSuchHostedZone``.
The answer is what the zone holds now: the propagation delay the simulator models is for
resolvers, which this API bypasses (it asks the authoritative servers).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.route53 import urls
from moto.route53.exceptions import NoSuchHostedZone
from moto.route53.responses import Route53

__all__ = ["apply", "dns_answer"]

_PATH = r"{0}/(?P<api_version>[\d_-]+)/testdnsanswer$"
_NAME_SERVER = "ns-1.awsdns-01.org"  # est.: the name server AWS reports it asked


def _norm(name: str) -> str:
    return name.rstrip(".").lower()


def dns_answer(zone: Any, name: str, kind: str) -> tuple[str, list[str]]:
    """The DNS response code and the values the zone answers for ``name`` and ``kind``."""
    found = [r for r in zone.rrsets if _norm(r.name) == _norm(name)]
    if not found:
        return "NXDOMAIN", []
    values: list[str] = []
    for rrset in found:
        if rrset.type != kind:
            continue
        if rrset.alias_target:
            values.append(str(rrset.alias_target.get("DNSName", "")).rstrip("."))
        else:
            values.extend(str(v) for v in rrset.records or [])
    return "NOERROR", values


def _test_dns_answer(self: Route53) -> ActionResult:
    zone_id = str(self._get_param("HostedZoneId") or "").replace("/hostedzone/", "")
    name = str(self._get_param("RecordName") or "")
    kind = str(self._get_param("RecordType") or "")
    zone = self.backend.zones.get(zone_id)
    if zone is None:
        raise NoSuchHostedZone(zone_id)
    code, values = dns_answer(zone, name, kind)
    return ActionResult({"Nameserver": _NAME_SERVER, "RecordName": name, "RecordType": kind,
                         "RecordData": values, "ResponseCode": code, "Protocol": "UDP"})


def apply() -> None:
    """Route and answer ``TestDNSAnswer`` (before the server builds its URL map)."""
    urls.url_paths.setdefault(_PATH, Route53.dispatch)
    Route53.test_dns_answer = _test_dns_answer  # type: ignore[attr-defined]

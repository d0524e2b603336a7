"""Names as Route 53 keeps them: fully qualified, so an UPSERT replaces and lookups find.

Route 53 stores every zone and record name with its trailing dot, whichever way it was
written. Stock moto adds the dot only on the API path: a record a CloudFormation stack
creates keeps the name as the template wrote it (``app.dev.example.com``), and a later
``UPSERT`` of the same name through the API (stored as ``app.dev.example.com.``) does not
match it and appends a second record: ``list-resource-record-sets`` then shows both, and
resolvers may follow either. Likewise a zone a stack creates is not found by
``list-hosted-zones-by-name``. Here every zone and record gets its canonical name, and an
UPSERT or a lookup by name matches without regard to the trailing dot or case.
"""

from __future__ import annotations

from typing import Any

from moto.route53.models import FakeZone, RecordSet, Route53Backend

__all__ = ["apply"]

_stock_add = FakeZone.add_rrset
_stock_create_zone = Route53Backend.create_hosted_zone


def _canonical(name: str) -> str:
    return name if name.endswith(".") else name + "."


def _same(a: str, b: str) -> bool:
    return a.rstrip(".").lower() == b.rstrip(".").lower()


def _add(self: FakeZone, record_set: dict[str, Any]) -> RecordSet:
    if isinstance(record_set.get("Name"), str):
        record_set = {**record_set, "Name": _canonical(record_set["Name"])}
    return _stock_add(self, record_set)


def _upsert(self: FakeZone, record_set: dict[str, Any]) -> RecordSet:
    new = RecordSet({**record_set, "Name": _canonical(record_set["Name"])})  # type: ignore[abstract]
    for i, old in enumerate(self.rrsets):
        if (_same(old.name, new.name) and old.type == new.type
                and old.set_identifier == new.set_identifier):
            self.rrsets[i] = new
            return new
    self.rrsets.append(new)
    return new


def _create_zone(self: Route53Backend, name: str, *args: Any, **kwargs: Any) -> FakeZone:
    return _stock_create_zone(self, _canonical(name), *args, **kwargs)


def _zone_by_name(self: Route53Backend, name: str) -> FakeZone | None:
    return next((z for z in self.zones.values() if _same(z.name, name)), None)


def apply() -> None:
    """Store fully qualified names; UPSERT replaces the record it names; lookups find."""
    FakeZone.add_rrset = _add  # type: ignore[method-assign]
    FakeZone.upsert_rrset = _upsert  # type: ignore[method-assign]
    Route53Backend.create_hosted_zone = _create_zone  # type: ignore[method-assign]
    Route53Backend.get_hosted_zone_by_name = _zone_by_name  # type: ignore[method-assign]

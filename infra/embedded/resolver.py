"""DNS as clients see it: authoritative changes that propagate, caches that honour TTL.

The model is deterministic so that ground truth can be computed exactly:

- a record change made at drill time ``c`` is visible on the authoritative servers at
  ``c + propagation`` (the latency model's ``route53_propagation``, D1);
- a resolver cache refreshes at fixed TTL boundaries ``k x TTL`` of drill time (TTL of the
  record current at that moment), so between boundaries it keeps serving the answer it
  fetched at the last one. A change therefore reaches clients at the first boundary at or
  after it became visible.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra.embedded import moto_state

__all__ = ["AppDns", "DnsAnswer", "DnsHistory"]

_MAX_CNAME_CHAIN = 8

_EPS = 1e-9  # float slack so that t == k x TTL counts as on the boundary


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """A record value visible on the authoritative servers from ``visible_at`` on."""

    visible_at: float
    value: str
    ttl: float


class DnsHistory:
    """Every answer each name has had, in order of visibility."""

    def __init__(self) -> None:
        self._answers: dict[str, list[DnsAnswer]] = {}
        self._lock = threading.Lock()

    def known(self, name: str) -> bool:
        """True once ``name`` has an answer."""
        with self._lock:
            return name in self._answers

    def add(self, name: str, answer: DnsAnswer) -> bool:
        """Record ``answer`` unless it repeats the latest value; True if recorded."""
        with self._lock:
            answers = self._answers.setdefault(name, [])
            if answers and answers[-1].value == answer.value and answers[-1].ttl == answer.ttl:
                return False
            answers.append(answer)
            answers.sort(key=lambda a: a.visible_at)
            return True

    def authoritative(self, name: str, t: float) -> DnsAnswer | None:
        """What the authoritative servers answer at ``t``."""
        with self._lock:
            answers = list(self._answers.get(name, ()))
        current = None
        for answer in answers:
            if answer.visible_at <= t + _EPS:
                current = answer
        return current

    def cached(self, name: str, t: float) -> DnsAnswer | None:
        """What a TTL-honouring resolver answers at ``t``: the answer at the last boundary."""
        latest = self.authoritative(name, t)
        if latest is None or latest.ttl <= 0:
            return latest
        boundary = math.floor(t / latest.ttl + _EPS) * latest.ttl
        at_boundary = self.authoritative(name, boundary)
        if at_boundary is not None:
            return at_boundary
        # The name had no answer at the last boundary: the cache fetched it when it first
        # appeared and keeps that answer until the next boundary (as effective_times says).
        with self._lock:
            return self._answers[name][0]

    def effective_times(self, name: str) -> tuple[float, ...]:
        """The drill times at which a resolver cache picks up each answer."""
        with self._lock:
            answers = list(self._answers.get(name, ()))
        return tuple(
            math.ceil(a.visible_at / a.ttl - _EPS) * a.ttl if a.ttl > 0 else a.visible_at
            for a in answers
        )

    def names(self) -> tuple[str, ...]:
        """Every name with an answer."""
        with self._lock:
            return tuple(self._answers)


class AppDns:
    """Names followed through Route 53's records to a region's load balancer, TTL honoured."""

    def __init__(self, regions: tuple[str, ...], record: Callable[..., None]) -> None:
        self.history = DnsHistory()
        self._regions = regions
        self._record = record  # the ground-truth log's record()

    def seed(self) -> None:
        """Take every record that exists now as visible since drill time 0."""
        for zone in moto_state.zone_ids():
            for found in moto_state.zone_records(zone):
                self.history.add(found.name, DnsAnswer(0.0, found.value, found.ttl))

    def take_new(self) -> None:
        """Take every record not seen yet as visible since drill time 0: a stack created it.

        A change of a record is recorded only as its new answer (moto holds nothing else by
        then), so the record's first answer must be known before anyone changes it. Else a
        change made at once after the deploy, with no drill time passed (the virtual clock),
        leaves the name with only an answer still propagating: nothing to resolve until then.
        Since 0, as :meth:`seed` and a first live resolution take a record: nothing resolves
        the name before its stack exists, and the first answer is the application's
        (:meth:`app_name`).
        """
        for zone in moto_state.zone_ids():
            for found in moto_state.zone_records(zone):
                if not self.history.known(found.name):
                    self.history.add(found.name, DnsAnswer(0.0, found.value, found.ttl))

    def serving_region(self, hostname: str, t: float, *, live: bool = False) -> str | None:
        """The region whose load balancer ``hostname`` leads to at ``t`` through caches."""
        albs = moto_state.alb_regions(self._regions)
        name = hostname.lower().rstrip(".")
        for _ in range(_MAX_CNAME_CHAIN):
            if name in albs:
                return albs[name]
            if live and not self.history.known(name):
                found = moto_state.find_record(name)
                if found is not None:  # created before the simulator started watching
                    self.history.add(name, DnsAnswer(0.0, found.value, found.ttl))
            answer = self.history.cached(name, t)
            if answer is None:
                return None
            name = answer.value
        return None

    def on_zone_change(self, zone_id: str, changed_at: float, visible_at: float) -> None:
        """A change of ``zone_id`` made at ``changed_at`` becomes visible at ``visible_at``."""
        for found in moto_state.zone_records(zone_id):
            answer = DnsAnswer(visible_at, found.value, found.ttl)
            if self.history.add(found.name, answer):
                self._record("dns.change", t=changed_at, name=found.name, value=found.value,
                             ttl=found.ttl, visible_at=visible_at,
                             effective_at=self.history.effective_times(found.name)[-1])

    def app_name(self, primary: str) -> str | None:
        """The name whose first answer led to ``primary``'s load balancer."""
        albs: dict[str, Any] = moto_state.alb_regions(self._regions)
        for name in self.history.names():
            first = self.history.authoritative(name, 0.0)
            if first is not None and albs.get(first.value) == primary:
                return name
        return None

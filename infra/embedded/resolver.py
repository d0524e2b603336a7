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
from dataclasses import dataclass

__all__ = ["DnsAnswer", "DnsHistory"]

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
        return self.authoritative(name, boundary) or latest

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

"""The run's journal: an append-only JSON-lines file, one event per line, flushed per event.

Each line is a JSON object with ``seq`` (1, 2, ...), ``t`` (drill seconds on the run's
clock), ``wall`` (UTC ISO 8601), ``kind`` and the event's own fields. A line is written with
a single ``write`` and flushed at once, so a run killed at any point leaves a file whose
every line parses. Known secrets are masked before anything reaches the file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.core.clock import Clock
from reports.run_folder import EventKind, Measurement, RunFinished, RunStarted, event_fields

__all__ = ["Event", "Timeline", "mask", "read_events"]

MASK = "********"


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by a mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


@dataclass(frozen=True, slots=True)
class Event:
    """One journal entry."""

    seq: int
    t: float
    wall: str
    kind: str
    fields: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The event as the JSON object written to the journal."""
        return {"seq": self.seq, "t": round(self.t, 6), "wall": self.wall, "kind": self.kind,
                **self.fields}


class Timeline:
    """Append-only, thread-safe journal bound to a clock."""

    def __init__(self, path: Path, clock: Clock, *, secrets: Iterable[str] = ()) -> None:
        self.path = Path(path)
        self.clock = clock
        # Lines are masked once JSON-encoded, where a backslash in a secret is doubled: mask
        # the encoded form too, longest first so no shorter form leaves part of one behind.
        forms = {f for s in secrets if s for f in (s, json.dumps(s, ensure_ascii=False)[1:-1])}
        self._secrets = tuple(sorted(forms, key=len, reverse=True))
        self._lock = threading.Lock()
        self._seq = 0
        self._file = self.path.open("a", encoding="utf-8")

    def write(self, record: RunStarted | Measurement | RunFinished) -> Event:
        """Append one of the run folder's typed records (reports/run_folder.py) as its event."""
        return self.record(record.KIND, **event_fields(record))

    def record(self, kind: EventKind, **fields: Any) -> Event:
        """Append one event stamped with the clock's drill time and UTC wall time."""
        with self._lock:
            self._seq += 1
            event = Event(self._seq, self.clock.now(), self.clock.wall().isoformat(), kind, fields)
            line = json.dumps(event.to_json(), default=str, sort_keys=False)
            if not self._file.closed:
                self._file.write(mask(line, self._secrets) + "\n")
                self._file.flush()
            return event

    def close(self) -> None:
        """Close the file; later records are dropped rather than raising."""
        with self._lock:
            self._file.close()

    def __enter__(self) -> Timeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    """Every event of a journal, in order; a torn last line (killed mid-write) is skipped."""
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.endswith("\n"):
                yield json.loads(line)

"""A run folder's journal read as it grows: what the live dashboard shows, line by line.

The dashboard reads the files the report is built from, while the drill writes them:
``timeline.jsonl`` (events), ``probes.csv`` (each probe sample and the region that served it)
and ``markers.csv`` (each data marker written). :class:`JournalTail` remembers how far it has
read each file and returns only the complete lines added since; a line still being written
(no newline yet) waits for the next read, and a file not there yet is simply empty.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DASHBOARD_PAGE", "JournalTail", "LiveUpdate"]

DASHBOARD_PAGE = Path(__file__).parent / "templates" / "dashboard.html"
_CSV_NUMBERS = {"seq", "t", "written_at", "status", "latency_ms"}


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """What the journal gained since the last read."""

    events: tuple[dict[str, Any], ...] = ()
    probes: tuple[dict[str, Any], ...] = ()
    markers: tuple[dict[str, Any], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.events or self.probes or self.markers)

    def as_json(self) -> dict[str, Any]:
        """The update as the page receives it."""
        return {"events": list(self.events), "probes": list(self.probes),
                "markers": list(self.markers)}


def _value(key: str, text: str) -> Any:
    if key == "ok" or key == "acked":
        return text == "true"
    if key in _CSV_NUMBERS and text:
        try:
            return float(text)
        except ValueError:
            return None
    return text or None


@dataclass
class _Tail:
    """One file read from where the last read stopped."""

    path: Path
    offset: int = 0
    header: list[str] | None = None

    def lines(self) -> list[str]:
        """The complete lines added since the last call."""
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read()
        except FileNotFoundError:
            return []
        end = chunk.rfind(b"\n") + 1  # a partial last line waits for its newline
        self.offset += end
        return chunk[:end].decode("utf-8", errors="replace").splitlines()

    def rows(self) -> list[dict[str, Any]]:
        """The new CSV rows, typed."""
        found = []
        for row in csv.reader(io.StringIO("\n".join(self.lines()))):
            if self.header is None:
                self.header = row
            elif row:
                found.append({k: _value(k, v) for k, v in zip(self.header, row, strict=False)})
        return found


@dataclass
class JournalTail:
    """Follows one run folder's journal; :meth:`read` returns what it gained."""

    run_dir: Path
    _files: dict[str, _Tail] = field(init=False)

    def __post_init__(self) -> None:
        self._files = {name: _Tail(self.run_dir / name)
                       for name in ("timeline.jsonl", "probes.csv", "markers.csv")}

    def read(self) -> LiveUpdate:
        """Everything complete that was added since the last read."""
        events = []
        for line in self._files["timeline.jsonl"].lines():
            try:
                event = json.loads(line)
            except ValueError:  # a torn line is the report's problem, not the room's
                continue
            if isinstance(event, dict):
                event.pop("wall", None)  # the page shows drill time, never wall-clock time
                events.append(event)
        return LiveUpdate(tuple(events), tuple(self._files["probes.csv"].rows()),
                          tuple(self._files["markers.csv"].rows()))

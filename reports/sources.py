"""Read the raw files of a run folder, tolerating a run that was killed mid-write.

Only the run folder is read: no environment, no AWS, no engine objects. A journal line that
does not parse (torn by a kill, or damaged) is counted and skipped rather than fatal, because
evidence of a broken run is still evidence.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports import run_folder

__all__ = [
    "INPUT_FILES",
    "Journal",
    "MarkerRow",
    "ProbeRow",
    "read_journal",
    "read_markers",
    "read_probes",
    "sha256_file",
]

log = logging.getLogger(__name__)

JOURNAL, PROBES, MARKERS = run_folder.JOURNAL, run_folder.PROBES, run_folder.MARKERS
GROUND_TRUTH = run_folder.GROUND_TRUTH
INPUT_FILES = (JOURNAL, PROBES, MARKERS, GROUND_TRUTH)


@dataclass(frozen=True, slots=True)
class Journal:
    """The journal's events in file order, and how many lines were unreadable."""

    events: tuple[Mapping[str, Any], ...]
    skipped_lines: int

    def of_kind(self, kind: str) -> tuple[Mapping[str, Any], ...]:
        """Every event of one kind, in order."""
        return tuple(e for e in self.events if e.get("kind") == kind)

    def first(self, kind: str) -> Mapping[str, Any] | None:
        """The first event of one kind, or None."""
        return next((e for e in self.events if e.get("kind") == kind), None)

    def last(self, kind: str) -> Mapping[str, Any] | None:
        """The last event of one kind, or None."""
        found = self.of_kind(kind)
        return found[-1] if found else None


@dataclass(frozen=True, slots=True)
class ProbeRow:
    """One probe sample as recorded in probes.csv."""

    seq: int
    t: float
    wall: str
    region: str
    status: int
    ok: bool
    latency_ms: float | None
    error: str


@dataclass(frozen=True, slots=True)
class MarkerRow:
    """One data marker as recorded in markers.csv."""

    seq: int
    written_at: float
    wall: str
    acked: bool
    region: str
    error: str


def read_journal(path: Path) -> Journal:
    """Every parseable event of a JSON-lines journal; a missing file is an empty journal."""
    if not path.exists():
        return Journal((), 0)
    events: list[Mapping[str, Any]] = []
    skipped = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            skipped += 1
            continue
        if isinstance(obj, dict) and "kind" in obj:
            events.append(obj)
        else:
            skipped += 1
    if skipped:
        log.warning("%s: skipped %d unreadable line(s)", path, skipped)
    return Journal(tuple(events), skipped)


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        # A torn last row has fewer fields: DictReader fills them with None.
        return [r for r in reader if None not in r.values() and None not in r]


def _bool(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "ok"}


def _float(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _timed_rows(path: Path, time_column: str) -> Iterator[tuple[dict[str, str], float]]:
    """Each complete row of a CSV with its time; a row whose time does not parse is torn."""
    for r in _rows(path):
        t = _float(r.get(time_column, ""))
        if t is not None:
            yield r, t


def _seq(row: dict[str, str]) -> int:
    return int(_float(row.get("seq", "")) or 0)


def read_probes(path: Path) -> tuple[ProbeRow, ...]:
    """Every complete probe sample of probes.csv, in file order."""
    return tuple(ProbeRow(_seq(r), t, r.get("wall", ""), r.get("region", ""),
                          int(_float(r.get("status", "")) or 0), _bool(r.get("ok", "")),
                          _float(r.get("latency_ms", "")), r.get("error", ""))
                 for r, t in _timed_rows(path, "t"))


def read_markers(path: Path) -> tuple[MarkerRow, ...]:
    """Every complete marker row of markers.csv, in file order."""
    return tuple(MarkerRow(_seq(r), written, r.get("wall", ""), _bool(r.get("acked", "")),
                           r.get("region", ""), r.get("error", ""))
                 for r, written in _timed_rows(path, "written_at"))


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()

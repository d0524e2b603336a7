"""Real health checks and a marker store for the canary running as the ECS task."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infra.canary.app import Marker
from infra.canary.sqlite_store import SqliteMarkers, StoredMarker

__all__ = ["ChecksHealth", "SqliteStore", "TcpCheck"]


@dataclass(frozen=True, slots=True)
class TcpCheck:
    """A dependency is up when its endpoint accepts a TCP connection within the timeout."""

    name: str
    host: str
    port: int
    timeout_s: float = 2.0

    def problem(self) -> str | None:
        """None when reachable, else why not."""
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout_s):
                return None
        except OSError as exc:
            return f"{self.name} {self.host}:{self.port} unreachable: {exc.strerror or exc}"


@dataclass(frozen=True, slots=True)
class ChecksHealth:
    """Health from a fixed set of TCP checks (the task itself running is implied)."""

    checks: tuple[TcpCheck, ...]

    def problems(self) -> tuple[str, ...]:
        """Every failing check's reason."""
        return tuple(p for c in self.checks if (p := c.problem()) is not None)


class SqliteStore:
    """Markers in a local SQLite file (on the task, put it on the replicated EFS mount)."""

    def __init__(self, path: Path, *, region: str, now: Callable[[], float]) -> None:
        self._db = SqliteMarkers(path)
        self._region = region
        self._now = now

    def write(self, marker: Marker) -> None:
        """Commit ``marker``."""
        self._db.insert(StoredMarker(marker.seq, marker.written_at, self._now(), self._region))

    def markers(self) -> tuple[Marker, ...]:
        """Every marker."""
        return self._db.markers()

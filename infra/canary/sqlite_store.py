"""A thread-safe SQLite marker table, shared by the ECS entry point and the simulator."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from infra.canary.app import Marker

__all__ = ["SqliteMarkers", "StoredMarker"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS markers (
    seq INTEGER PRIMARY KEY,
    written_at REAL NOT NULL,
    committed_at REAL NOT NULL,
    origin TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class StoredMarker:
    """A marker row: when it was committed (drill seconds) and in which region first."""

    seq: int
    written_at: float
    committed_at: float
    origin: str


class SqliteMarkers:
    """One SQLite database file holding markers; every call is serialised by a lock."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # One connection shared across handler threads, serialised by the lock above.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def insert(self, row: StoredMarker) -> bool:
        """Commit ``row`` unless its seq exists; True if it was new."""
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO markers VALUES (?, ?, ?, ?)",
                (row.seq, row.written_at, row.committed_at, row.origin),
            )
            return cur.rowcount == 1

    def insert_many(self, rows: list[StoredMarker]) -> int:
        """Commit ``rows`` in one transaction, skipping seqs that exist; how many were new."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                added = sum(self._db.execute(
                    "INSERT OR IGNORE INTO markers VALUES (?, ?, ?, ?)",
                    (r.seq, r.written_at, r.committed_at, r.origin)).rowcount for r in rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return added

    def replace_all(self, rows: list[StoredMarker]) -> None:
        """Make ``rows`` the whole table in one transaction (a database restored from a copy)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.execute("DELETE FROM markers")
                self._db.executemany("INSERT INTO markers VALUES (?, ?, ?, ?)", [
                    (r.seq, r.written_at, r.committed_at, r.origin) for r in rows])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def rows(self) -> tuple[StoredMarker, ...]:
        """Every row, by seq."""
        with self._lock:
            found = self._db.execute("SELECT * FROM markers ORDER BY seq").fetchall()
        return tuple(StoredMarker(int(a), float(b), float(c), str(d)) for a, b, c, d in found)

    def markers(self) -> tuple[Marker, ...]:
        """Every marker, by seq."""
        return tuple(Marker(r.seq, r.written_at) for r in self.rows())

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

"""Fixed-cadence ``/health`` prober and data-marker writer/reader: what users would have seen.

Cadence: tick ``k`` is scheduled at ``started_at + k * interval_s`` on the run's clock, so the
schedule never drifts however long requests take. When a request (or resolving the target)
overruns the next tick, the missed ticks are skipped and counted in ``skipped``, never bunched.

A record's ``t`` (``written_at`` for markers) is the clock reading right before its request is
sent, after ``target()`` resolved; :meth:`Prober.send_lags` gives how far each trailed its
tick. ``latency_ms`` is drill milliseconds, like every duration in the run folder (at 60x a
2 ms loopback answer reads 120 ms). The request timeout, ``clock.real(timeout_s)``, applies
to connecting and to each read (requests' semantics): an overrun is absorbed by skipping.
An exception from ``target()`` or a callback ends the thread: it is logged, kept in
``failure`` and chained to the :class:`ProbeTimeout` that ``wait_for`` then raises at once.

Each record is appended to its CSV with one write and a flush: a killed run leaves a file whose
every line parses. Booleans are ``true``/``false``; our sessions skip keep-alive, and
proxies unless asked (:func:`http_session`).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, Self, TypeVar

import requests

from drills.measure.rto_rpo import find_recovery, first_failure
from infra.core.clock import Clock
from infra.core.errors import ProbeTimeout

__all__ = ["MARKER_HEADER", "PROBE_HEADER", "AckedMarker", "MarkerRecord", "MarkerWriter",
           "ProbeSample", "Prober", "http_session", "written_markers"]

logger = logging.getLogger(__name__)

PROBE_HEADER = ("seq", "t", "wall", "region", "status", "ok", "latency_ms", "error")
MARKER_HEADER = ("seq", "written_at", "wall", "acked", "region", "error")
# Tolerance when deciding whether "now" is already past a tick: float error, not policy.
_EPS = 1e-9
_ERROR_CHARS = 300


@dataclass(frozen=True, slots=True)
class ProbeSample:
    """One GET /health: send time (drill s), wall label, who answered and how."""

    seq: int
    t: float
    wall: str
    region: str
    status: int
    ok: bool
    latency_ms: float
    error: str


@dataclass(frozen=True, slots=True)
class MarkerRecord:
    """One marker write attempt, acknowledged or not (a markers.csv row)."""

    seq: int
    written_at: float
    wall: str
    acked: bool
    region: str
    error: str


@dataclass(frozen=True, slots=True)
class AckedMarker:
    """A marker the application acknowledged (HTTP 201) as committed."""

    seq: int
    written_at: float
    region: str


R = TypeVar("R")
_Finder = Callable[[Sequence[ProbeSample]], ProbeSample | None]


class _CsvLog:
    """Append-only CSV file; one write and a flush per row."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self._file = Path(path).open("a", encoding="utf-8", newline="")
        if self._file.tell() == 0:
            self.append(header)

    def append(self, row: Sequence[object]) -> None:
        """Write one row and flush it."""
        buf = io.StringIO()
        cells = [("true" if v else "false") if isinstance(v, bool) else v for v in row]
        csv.writer(buf, lineterminator="\n").writerow(cells)
        self._file.write(buf.getvalue())
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def _error_text(exc: BaseException) -> str:
    # One line, bounded: it lands in a CSV cell and in reports.
    return f"{type(exc).__name__}: {exc}".replace("\r", " ").replace("\n", " ")[:_ERROR_CHARS]


def _json(resp: requests.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _region(body: dict[str, Any]) -> str:
    region = body.get("region")
    return region if isinstance(region, str) else ""


def _answer_error(status: int, body: dict[str, Any]) -> str:
    # The canary's reasons ("database is read-only") say more than the status code.
    reasons = body.get("reasons")
    detail = "; ".join(map(str, reasons)) if isinstance(reasons, list) else ""
    return f"HTTP {status}: {detail}"[:_ERROR_CHARS] if detail else f"HTTP {status}"


def http_session(*, use_proxies: bool = False) -> requests.Session:
    """A session for probes and markers: no keep-alive; proxies from the environment only
    when asked (the aws backend reaches the app as any client would; the embedded one never)."""
    session = requests.Session()
    session.trust_env = use_proxies
    # A new connection sees what a new user sees; a dropped keep-alive can't fake a failure.
    session.headers["Connection"] = "close"
    return session


class _Recorder(Generic[R]):
    """Runs ``_take`` on a fixed, non-drifting cadence in a thread and records the results."""

    header: ClassVar[tuple[str, ...]]
    min_request_timeout: ClassVar[float] = 0.0

    def __init__(
        self, *, target: Callable[[], str], clock: Clock, interval_s: float, csv_path: Path,
        timeout_s: float | None = None, on_record: Callable[[R], None] | None = None,
        session: requests.Session | None = None, first_seq: int = 1,
    ) -> None:
        if not interval_s > 0:
            raise ValueError(f"interval_s must be > 0, got {interval_s!r}")
        timeout_s = interval_s / 2 if timeout_s is None else timeout_s
        if not 0 < timeout_s < interval_s:
            raise ValueError(
                f"timeout_s must be > 0 and shorter than interval_s={interval_s!r} (so one "
                f"slow request cannot swallow the next tick), got {timeout_s!r}"
            )
        self.target, self.clock = target, clock
        self.interval_s, self.timeout_s, self.csv_path = interval_s, timeout_s, Path(csv_path)
        # Real seconds a request may wait to connect, and again for each read; never below
        # the class's floor (see MarkerWriter).
        self.request_timeout = max(clock.real(timeout_s), self.min_request_timeout)
        self._session = session or http_session()
        self._owns_session = session is None
        self._on_record = on_record
        self._cond = threading.Condition()
        self._records: list[R] = []
        self._lags: list[float] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._log: _CsvLog | None = None
        # What ended the thread early (target() or a callback raised), if anything did.
        self.failure: Exception | None = None
        self._done = False
        self.started_at: float | None = None
        self.skipped = 0
        self.first_seq = first_seq  # a writer continuing another's numbering starts past it

    def start(self) -> None:
        """Open the CSV and start ticking now (tick 0 fires at once)."""
        if self._thread is not None:
            raise RuntimeError(f"{type(self).__name__} already started")
        self._log = _CsvLog(self.csv_path, self.header)
        self.started_at = self.clock.now()
        self._thread = self.clock.thread(self._run, name=type(self).__name__, background=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop ticking, join (bounded), close the CSV. Never raises: it runs in cleanup."""
        self._stop.set()
        if self._thread is not None:
            # Connect and read timeouts apply separately; a second covers the rest.
            if not self.clock.join(self._thread, real_timeout_s=2 * self.request_timeout + 1.0):
                logger.warning("%s still busy after stop; left as daemon", type(self).__name__)
        if self._log is not None:
            self._log.close()
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def records(self) -> list[R]:
        """A snapshot of every record so far, in order."""
        with self._cond:
            return list(self._records)

    def send_lags(self) -> list[float]:
        """Per record, drill seconds its send time trailed its scheduled tick."""
        with self._cond:
            return list(self._lags)

    def wait_for(self, predicate: Callable[[Sequence[R]], bool], timeout_s: float) -> list[R]:
        """Block until ``predicate(records)`` holds; ``timeout_s`` is drill seconds.

        Raises:
            ProbeTimeout: the deadline passed or the thread ended first; carries the last record.
        """
        def ready() -> bool:
            with self._cond:
                return self._done or predicate(tuple(self._records))

        self.clock.wait_for(ready, timeout_s=timeout_s, cond=self._cond,
                            what=f"{type(self).__name__} records to meet a condition")
        with self._cond:
            records = list(self._records)
        if predicate(records):
            return records
        last = records[-1] if records else None
        why = "thread ended" if self._done else f"not reached within {timeout_s:g}s"
        raise ProbeTimeout(
            f"{type(self).__name__}: condition {why} after {len(records)} records; "
            f"last {last!r}", last=last,
        ) from self.failure

    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:
            # Kept for wait_for() and .failure: a dead prober must not look like silence.
            logger.exception("%s failed", type(self).__name__)
            self.failure = exc
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def _loop(self) -> None:
        assert self.started_at is not None
        tick, seq = 0, self.first_seq - 1
        while True:
            scheduled = self.started_at + tick * self.interval_s
            if self.clock.wait(self._stop, scheduled - self.clock.now()):
                return
            seq += 1
            record, sent_at = self._take(seq)
            self._keep(record, sent_at - scheduled)
            tick = self._next_tick(tick)

    def _next_tick(self, tick: int) -> int:
        assert self.started_at is not None
        elapsed = (self.clock.now() - self.started_at) / self.interval_s
        # After an overrun the next tick is the first one still in the future: missed ticks
        # are skipped (and counted), never fired back to back.
        due = max(tick + 1, math.floor(elapsed) + 1)
        self.skipped += due - tick - 1
        return due

    def _keep(self, record: R, lag: float) -> None:
        assert self._log is not None
        self._log.append(astuple(record))  # type: ignore[call-overload]
        with self._cond:
            self._records.append(record)
            self._lags.append(lag)
            self._cond.notify_all()
        if self._on_record is not None:
            self._on_record(record)

    def _take(self, seq: int) -> tuple[R, float]:
        raise NotImplementedError


class Prober(_Recorder[ProbeSample]):
    """GET {target()}/health every ``interval_s`` drill seconds; every sample kept and logged."""

    header = PROBE_HEADER

    def __init__(
        self, *, target: Callable[[], str], clock: Clock, interval_s: float, timeout_s: float,
        csv_path: Path, on_sample: Callable[[ProbeSample], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(target=target, clock=clock, interval_s=interval_s, timeout_s=timeout_s,
                         csv_path=csv_path, session=session, on_record=on_sample)

    def samples(self) -> list[ProbeSample]:
        """A snapshot of every sample so far, in order."""
        return self.records()

    def wait_for_recovery(
        self, *, region: str, after: float, consecutive: int, timeout_s: float
    ) -> ProbeSample:
        """Block until ``consecutive`` healthy samples from ``region``; return the first."""
        return self._wait_found(lambda s: find_recovery(
            s, after=after, region=region, consecutive=consecutive), timeout_s)

    def wait_for_failure(self, *, after: float, timeout_s: float) -> ProbeSample:
        """Block until a sample at or after ``after`` fails; return it."""
        return self._wait_found(lambda s: first_failure(s, after=after), timeout_s)

    def _wait_found(self, find: _Finder, timeout_s: float) -> ProbeSample:
        found = find(self.wait_for(lambda s: find(s) is not None, timeout_s))
        assert found is not None, "wait_for returns only once find() matches"
        return found

    def _take(self, seq: int) -> tuple[ProbeSample, float]:
        url = self.target().rstrip("/") + "/health"
        t, wall = self.clock.now(), self.clock.wall().isoformat()
        try:
            resp = self._session.get(url, timeout=self.request_timeout)
        except requests.RequestException as exc:
            latency = (self.clock.now() - t) * 1000
            return ProbeSample(seq, round(t, 6), wall, "", 0, False, round(latency, 3),
                               _error_text(exc)), t
        latency = (self.clock.now() - t) * 1000
        body = _json(resp)
        ok = resp.status_code == 200 and body.get("status") == "ok"
        error = "" if ok else _answer_error(resp.status_code, body)
        return ProbeSample(seq, round(t, 6), wall, _region(body), resp.status_code, ok,
                           round(latency, 3), error), t


def written_markers(records: Iterable[MarkerRecord], *found: Collection[int]) -> list[AckedMarker]:
    """The markers that count as written: acknowledged, or found in any of ``found``.

    A marker found in a store was committed even if its acknowledgement was lost on the way
    back (a timed-out request): it counts as written, like an acknowledged one.
    """
    return [AckedMarker(r.seq, r.written_at, r.region) for r in records
            if r.acked or any(r.seq in f for f in found)]


class MarkerWriter(_Recorder[MarkerRecord]):
    """POST a numbered, timestamped marker to {target()}/markers every ``interval_s``.

    ``timeout_s`` defaults to half the interval.
    """

    header = MARKER_HEADER
    # At high time scales half an interval is a few real milliseconds: a busy machine would
    # turn writes that committed into "not acknowledged" ones. A write's timeout has a real
    # floor instead; a slow write then overruns its tick, and missed ticks are skipped.
    min_request_timeout: ClassVar[float] = 0.5

    def acked(self) -> list[AckedMarker]:
        """The markers acknowledged with a 201, in order."""
        return [AckedMarker(r.seq, r.written_at, r.region) for r in self.records() if r.acked]

    def _take(self, seq: int) -> tuple[MarkerRecord, float]:
        url = self.target().rstrip("/") + "/markers"
        t, wall = self.clock.now(), self.clock.wall().isoformat()
        # The value sent is the value recorded, so DR's copy compares equal.
        written_at = round(t, 6)
        try:
            resp = self._session.post(url, json={"seq": seq, "written_at": written_at},
                                      timeout=self.request_timeout)
        except requests.RequestException as exc:
            return MarkerRecord(seq, written_at, wall, False, "", _error_text(exc)), t
        body = _json(resp)
        acked = resp.status_code == 201
        error = "" if acked else _answer_error(resp.status_code, body)
        return MarkerRecord(seq, written_at, wall, acked, _region(body), error), t

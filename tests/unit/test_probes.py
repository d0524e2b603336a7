"""Prober and marker writer against a real HTTP canary on 127.0.0.1 in a thread."""

from __future__ import annotations

import csv
import json
import math
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from drills.measure.probes import (
    MARKER_HEADER,
    PROBE_HEADER,
    AckedMarker,
    MarkerRecord,
    MarkerWriter,
    Prober,
    ProbeSample,
)
from drills.measure.readback import read_markers, read_probes
from drills.measure.rto_rpo import measure_rto
from infra.core.clock import Clock, FakeClock
from infra.core.errors import MeasurementError, ProbeTimeout

__all__: list[str] = []

PRIMARY, DR = "eu-west-2", "us-east-1"
WAIT_S = 10.0  # real-second ceiling for conditions the tests wait on


class CanaryState:
    """What the test canary answers; the test flips it while probes run."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.healthy = True
        self.accept_markers = True
        self.delay_s = 0.0  # real seconds before answering: a slow backend
        self.markers: dict[int, float] = {}
        # Set at teardown so a delayed handler returns at once instead of holding shutdown.
        self.released = threading.Event()


class CanaryHandler(BaseHTTPRequestHandler):
    """The canary HTTP API of docs/contracts.md, reduced to what the probes use."""

    server: CanaryServer

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        state = self.server.state
        state.released.wait(state.delay_s)
        if self.path == "/markers":
            items = [{"seq": s, "written_at": t} for s, t in sorted(state.markers.items())]
            self._send(200, {"region": state.region, "markers": items})
        elif state.healthy:
            self._send(200, {"status": "ok", "region": state.region})
        else:
            self._send(503, {"status": "unavailable", "region": state.region,
                             "reasons": ["database is read-only"]})

    def do_POST(self):
        state = self.server.state
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not state.accept_markers:
            self._send(503, {"reasons": ["database is read-only"]})
            return
        state.markers[body["seq"]] = body["written_at"]
        self._send(201, {"seq": body["seq"], "region": state.region})

    def _send(self, status, body):
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): exactly what a timeout test provokes


class CanaryServer(ThreadingHTTPServer):
    """Threaded so a slow answer does not hold up the next probe."""

    daemon_threads = True

    def __init__(self, state: CanaryState) -> None:
        super().__init__(("127.0.0.1", 0), CanaryHandler)
        self.state = state


@contextmanager
def serve(region: str) -> Iterator[tuple[str, CanaryState]]:
    """Run a canary for ``region`` on a free loopback port; yield its base URL and state."""
    state = CanaryState(region)
    server = CanaryServer(state)
    ready = threading.Event()

    def run():
        ready.set()
        server.serve_forever(poll_interval=0.05)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(WAIT_S)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        state.released.set()
        server.shutdown()
        server.server_close()
        thread.join(WAIT_S)


@pytest.fixture
def canary():
    with serve(PRIMARY) as pair:
        yield pair


@pytest.fixture
def closed_url():
    """A loopback URL nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def make_prober(tmp_path, url, clock, interval_s=10.0, timeout_s=5.0, **kw):
    target = url if callable(url) else lambda: url
    return Prober(target=target, clock=clock, interval_s=interval_s, timeout_s=timeout_s,
                  csv_path=tmp_path / "probes.csv", **kw)


def at_least(n):
    return lambda records: len(records) >= n


# -- construction --------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [Prober, MarkerWriter], ids=["prober", "marker-writer"])
@pytest.mark.parametrize(
    ("interval_s", "timeout_s", "message"),
    [
        (10.0, 10.0, "shorter than interval_s=10.0"),
        (10.0, 12.0, "shorter than interval_s=10.0"),
        (10.0, 0.0, "timeout_s must be > 0"),
        (0.0, 1.0, "interval_s must be > 0"),
    ],
    ids=["equal", "longer", "zero-timeout", "zero-interval"],
)
def test_constructor_rejects_bad_cadence(tmp_path, cls, interval_s, timeout_s, message):
    with pytest.raises(ValueError, match=message):
        cls(target=lambda: "http://127.0.0.1:1", clock=FakeClock(), interval_s=interval_s,
            timeout_s=timeout_s, csv_path=tmp_path / "x.csv")


def test_start_twice_raises(tmp_path, canary):
    with make_prober(tmp_path, canary[0], FakeClock()) as prober:
        with pytest.raises(RuntimeError, match="already started"):
            prober.start()


# -- cadence -------------------------------------------------------------------------------

def test_ticks_land_exactly_on_schedule_under_fake_clock(tmp_path, canary):
    with make_prober(tmp_path, canary[0], FakeClock()) as prober:
        samples = prober.wait_for(at_least(5), WAIT_S)[:5]
    assert [s.t for s in samples] == [0.0, 10.0, 20.0, 30.0, 40.0]
    assert prober.send_lags()[:5] == [0.0] * 5
    assert prober.skipped == 0


def test_overrun_skips_missed_ticks_instead_of_bunching(tmp_path, canary):
    clock, calls = FakeClock(), []

    def slow_third_resolution():
        calls.append(1)
        if len(calls) == 3:
            clock.advance(25.0)  # resolving the name takes 2.5 intervals this once
        return canary[0]

    with make_prober(tmp_path, slow_third_resolution, clock) as prober:
        samples = prober.wait_for(at_least(5), WAIT_S)[:5]
    assert [s.t for s in samples] == [0.0, 10.0, 45.0, 50.0, 60.0]
    assert prober.send_lags()[:5] == [0.0, 0.0, 25.0, 0.0, 0.0]
    assert prober.skipped == 2


def test_cadence_does_not_drift_with_slow_answers_under_real_clock(tmp_path, canary):
    url, state = canary
    state.delay_s = 0.03  # 30% of the 0.1 s real interval: a drifting loop would lose 3 s/tick
    clock = Clock(scale=100.0)
    with make_prober(tmp_path, url, clock, timeout_s=9.0) as prober:
        samples = prober.wait_for(at_least(10), WAIT_S * 100)[:10]
    assert all(s.ok and s.latency_ms >= 3000 for s in samples), samples
    # Position of each send on the schedule, in intervals: k + how late it was for tick k.
    ticks = [(s.t - prober.started_at) / 10.0 for s in samples]
    lateness = [x - math.floor(x + 0.01) for x in ticks]
    assert statistics.median(lateness) < 0.1, ticks
    # A loop scheduling from the previous answer would be 30% of an interval later per sample;
    # a fixed schedule keeps the last one on its tick (a stall on a busy machine may skip one).
    assert ticks[-1] < len(samples) - 1 + prober.skipped + 0.4, ticks


# -- what a sample says --------------------------------------------------------------------

def test_timeout_becomes_status_zero_sample(tmp_path, canary):
    url, state = canary
    state.delay_s = 0.08  # longer than the 0.02 s real timeout, shorter than the interval
    with make_prober(tmp_path, url, Clock(scale=100.0), timeout_s=2.0) as prober:
        sample = prober.wait_for(at_least(1), WAIT_S * 100)[0]
    assert (sample.status, sample.ok, sample.region) == (0, False, "")
    assert "Timeout" in sample.error
    assert 1900 <= sample.latency_ms < 10_000, sample.latency_ms


def test_refused_connection_becomes_failed_sample(tmp_path, closed_url):
    with make_prober(tmp_path, closed_url, FakeClock()) as prober:
        sample = prober.wait_for(at_least(1), WAIT_S)[0]
    assert (sample.status, sample.ok, sample.region) == (0, False, "")
    assert sample.error.startswith("ConnectionError: ")


def test_region_and_reasons_read_from_200_and_503_bodies(tmp_path, canary):
    url, state = canary
    with make_prober(tmp_path, url, FakeClock()) as prober:
        healthy = prober.wait_for(at_least(1), WAIT_S)[0]
        state.healthy = False
        failed = prober.wait_for_failure(after=0.0, timeout_s=WAIT_S)
    assert (healthy.status, healthy.ok, healthy.region, healthy.error) == (200, True, PRIMARY, "")
    assert (failed.status, failed.ok, failed.region) == (503, False, PRIMARY)
    assert failed.error == "HTTP 503: database is read-only"


def test_probes_csv_rows_match_samples_and_every_line_parses(tmp_path, canary, closed_url):
    urls = iter([canary[0], closed_url] * 1000)
    with make_prober(tmp_path, lambda: next(urls), FakeClock()) as prober:
        prober.wait_for(at_least(6), WAIT_S)
    lines = (tmp_path / "probes.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(PROBE_HEADER)
    assert all(len(next(csv.reader([line]))) == len(PROBE_HEADER) for line in lines)
    samples = prober.samples()
    assert read_probes(tmp_path / "probes.csv") == samples
    assert {s.ok for s in samples} == {True, False}


def test_read_probes_rejects_other_files(tmp_path):
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(MeasurementError, match=r"is not a probes\.csv"):
        read_probes(tmp_path / "other.csv")


# -- waiting -------------------------------------------------------------------------------

def test_wait_for_deadline_raises_probe_timeout_with_last_sample(tmp_path, canary):
    with make_prober(tmp_path, canary[0], Clock(scale=100.0)) as prober:
        began = time.monotonic()
        with pytest.raises(ProbeTimeout, match="not reached within 20s") as info:
            prober.wait_for(lambda samples: False, timeout_s=20.0)
        waited = time.monotonic() - began
    assert isinstance(info.value.last, ProbeSample)
    assert 0.19 <= waited < 2.0, waited


def test_failing_callback_ends_prober_and_surfaces_in_wait_for(tmp_path, canary):
    def explode(sample):
        raise RuntimeError(f"sink full at sample {sample.seq}")

    with make_prober(tmp_path, canary[0], FakeClock(), on_sample=explode) as prober:
        with pytest.raises(ProbeTimeout, match="thread ended after 1 records") as info:
            prober.wait_for(at_least(2), WAIT_S)
    assert info.value.__cause__ is prober.failure
    assert str(prober.failure) == "sink full at sample 1"


def test_wait_for_recovery_follows_target_switch_to_dr(tmp_path, canary):
    primary_url, primary = canary
    primary.healthy = False
    with serve(DR) as (dr_url, _):
        current = [primary_url]
        with make_prober(tmp_path, lambda: current[0], FakeClock()) as prober:
            failed = prober.wait_for_failure(after=0.0, timeout_s=WAIT_S)
            current[0] = dr_url
            recovered = prober.wait_for_recovery(region=DR, after=failed.t, consecutive=3,
                                                 timeout_s=WAIT_S)
    samples = prober.samples()
    first_dr = next(s for s in samples if s.region == DR)
    assert recovered == first_dr
    result = measure_rto(samples, outage_start=0.0, dr_region=DR)
    assert (result.rto_seconds, result.first_failed_probe_at) == (recovered.t, 0.0)


# -- markers -------------------------------------------------------------------------------

def test_marker_writer_records_acks_and_refusals(tmp_path, canary):
    url, state = canary
    writer = MarkerWriter(target=lambda: url, clock=FakeClock(), interval_s=2.0,
                          csv_path=tmp_path / "markers.csv")
    with writer:
        writer.wait_for(lambda records: sum(r.acked for r in records) >= 3, WAIT_S)
        state.accept_markers = False
        writer.wait_for(lambda records: not records[-1].acked, WAIT_S)
    assert writer.timeout_s == 1.0  # the default: half the interval
    records = writer.records()
    refused = records[-1]
    assert (refused.acked, refused.region, refused.error) == (
        False, "", "HTTP 503: database is read-only")
    assert writer.acked() == [AckedMarker(r.seq, r.written_at, PRIMARY) for r in records if r.acked]
    assert state.markers == {m.seq: m.written_at for m in writer.acked()}
    assert [r.written_at for r in records] == [2.0 * i for i in range(len(records))]
    assert read_markers(url, timeout=WAIT_S, region=PRIMARY) == frozenset(state.markers)
    rows = list(csv.reader((tmp_path / "markers.csv").read_text(encoding="utf-8").splitlines()))
    assert tuple(rows[0]) == MARKER_HEADER
    assert [MarkerRecord(int(r[0]), float(r[1]), r[2], r[3] == "true", r[4], r[5])
            for r in rows[1:]] == records


def test_read_markers_from_unreachable_region_raises(closed_url):
    with pytest.raises(MeasurementError, match=r"cannot read markers from .*ConnectionError"):
        read_markers(closed_url, timeout=WAIT_S)


def test_read_markers_from_another_region_raises(canary):
    with pytest.raises(MeasurementError, match="region 'eu-west-2', expected 'us-east-1'"):
        read_markers(canary[0], timeout=WAIT_S, region=DR)


def test_read_markers_rejects_an_answer_without_markers(canary):
    url, _ = canary
    with pytest.raises(MeasurementError, match=r"HTTP 200 .*expected 200 with a 'markers' list"):
        read_markers(url + "/health-check-not-markers", timeout=WAIT_S)

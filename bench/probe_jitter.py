"""Probe cadence jitter: how far each probe's send time trails its scheduled tick.

``measure_jitter`` runs a real :class:`drills.measure.probes.Prober` on a real :class:`Clock`
against a healthy canary on 127.0.0.1 and reports the lag as a share of the probe interval. The
lag is what the RTO's "error at most one interval" bound spends on scheduling rather than on the
interval itself. Importing this module starts nothing.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from drills.measure.probes import Prober
from infra.core.clock import Clock

__all__ = ["measure_jitter"]


class _Healthy(BaseHTTPRequestHandler):
    """Answers every GET like a healthy canary."""

    def do_GET(self) -> None:
        data = json.dumps({"status": "ok", "region": "bench"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request log: the benchmark prints its own summary."""


def _serve() -> tuple[ThreadingHTTPServer, threading.Thread]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    server.daemon_threads = True
    ready = threading.Event()

    def run() -> None:
        ready.set()
        server.serve_forever(poll_interval=0.05)

    thread = threading.Thread(target=run, name="bench-canary", daemon=True)
    thread.start()
    if not ready.wait(10.0):
        raise RuntimeError("benchmark canary did not start within 10 s")
    return server, thread


def _lags(*, interval_s: float, scale: float, samples: int, url: str) -> tuple[list[float], int]:
    clock = Clock(scale=scale)
    with tempfile.TemporaryDirectory() as tmp:
        prober = Prober(target=lambda: url, clock=clock, interval_s=interval_s,
                        timeout_s=interval_s / 2, csv_path=Path(tmp) / "probes.csv")
        with prober:
            # Twice the nominal run time: generous, yet bounded if the machine stalls.
            prober.wait_for(lambda s: len(s) >= samples, 2 * (samples + 1) * interval_s)
        return prober.send_lags()[:samples], prober.skipped


def measure_jitter(*, interval_s: float = 10.0, scale: float = 60.0,
                   samples: int = 50) -> dict[str, float]:
    """p50/p99/max of |send time - scheduled tick| as a share of ``interval_s``."""
    if samples < 2:
        raise ValueError(f"samples must be >= 2 to take percentiles, got {samples!r}")
    server, thread = _serve()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        lags, skipped = _lags(interval_s=interval_s, scale=scale, samples=samples, url=url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10.0)
    shares = [abs(lag) / interval_s for lag in lags]
    cuts = statistics.quantiles(shares, n=100, method="inclusive")
    return {
        "interval_s": interval_s,
        "scale": scale,
        "real_interval_ms": 1000 * interval_s / scale,
        "samples": len(shares),
        "skipped": skipped,
        "p50_share": cuts[49],
        "p99_share": cuts[98],
        "max_share": max(shares),
    }

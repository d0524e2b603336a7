"""``make bench``: how fast, how accurate and how reproducible the region-loss drill is.

Prints, in one run:
- wall time per drill (real seconds) on virtual time and on the scaled clock (60x), side by
  side, with each clock's RTO and RPO error against the simulator's ground truth, in drill
  seconds and as a share of the probe / marker interval (the accuracy bound is one interval);
- the probes' cadence jitter on the scaled clock (how far each probe's send trailed its
  tick, p50/p99 of the interval, from the drills' probers and from an idle prober); on
  virtual time it is 0 by construction (a probe is sent at its tick's drill time);
- determinism: seeds 1-10 run twice on virtual time, once idle and once with two
  CPU-burning processes, their RTOs side by side and how many seeds' figures differ (RTO,
  RPO, per-store RPO, phase durations, lost markers; it must be 0);
- draws per minute of ``drill forecast region-loss`` on every core (bench/forecast_rate.py).

Wall times are figures to watch, not assertions: a loaded machine shifts them.
Usage: ``python bench/run.py [--runs N] [--time-scale X] [--seeds N] [--draws N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.determinism import busy_host, figures
from bench.forecast_rate import measure_draw_rate
from bench.probe_jitter import measure_jitter
from drills.run.scenario import region_loss
from drills.settings.config import load_settings


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _drill(tmp: Path, seed: int, **overrides: Any) -> tuple[Any, float]:
    settings = load_settings(overrides={"runs_dir": tmp, "seed": seed, **overrides})
    start = time.monotonic()
    drill = region_loss(settings)
    return drill, time.monotonic() - start


class _Clock:
    """One clock's runs: wall times, errors against the truth, probe lags."""

    def __init__(self, name: str) -> None:
        self.name, self.walls, self.rto_err, self.rpo_err = name, [], [], []
        self.lags: list[float] = []

    def add(self, drill: Any, wall: float) -> bool:
        if drill.result is None or drill.result.ground_truth is None:
            print(f"  {self.name}: the drill did not measure (exit {drill.exit_code})")
            return False
        r, truth, s = drill.result, drill.result.ground_truth, drill.settings
        self.walls.append(wall)
        self.rto_err.append(abs(r.rto_seconds - truth.rto_seconds))
        self.rpo_err.append(abs(r.rpo_seconds - truth.rpo_seconds))
        self.lags += [abs(x) / s.probe_interval_s for x in drill.prober.send_lags()]
        print(f"  {self.name:>10}: {wall:5.1f} s wall, RTO {r.rto_seconds:6.1f} s (truth "
              f"{truth.rto_seconds:6.1f} s), RPO {r.rpo_seconds:4.1f} s (truth "
              f"{truth.rpo_seconds:4.1f} s)", flush=True)
        return True


def _speed(tmp: Path, runs: int, scale: float) -> tuple[_Clock, _Clock] | None:
    virtual, scaled = _Clock("virtual"), _Clock(f"{scale:g}x")
    for seed in range(1, runs + 1):
        print(f"seed {seed}:", flush=True)
        if not virtual.add(*_drill(tmp, seed)) or not scaled.add(
                *_drill(tmp, seed, clock="scaled", time_scale=scale)):
            return None
    return virtual, scaled


def _row(label: str, fn: Any, virtual: _Clock, scaled: _Clock) -> None:
    print(f"  {label:<24}{fn(virtual):>18}{fn(scaled):>18}")


def _print_speed(virtual: _Clock, scaled: _Clock, interval: float, marker: float) -> None:
    idle = measure_jitter(scale=float(scaled.name[:-1]), samples=100)
    print(f"\nregion-loss drill, {len(virtual.walls)} seeds (probe interval {interval:g} s, "
          f"marker interval {marker:g} s)")
    print(f"  {'':<24}{'virtual time':>18}{'scaled ' + scaled.name:>18}")
    _row("wall per drill p50", lambda c: f"{_pct(c.walls, 50):.1f} s", virtual, scaled)
    _row("wall per drill max", lambda c: f"{max(c.walls):.1f} s", virtual, scaled)
    _row("RTO error vs truth max", lambda c: f"{max(c.rto_err):.2f} s "
         f"({max(c.rto_err) / interval:.0%})", virtual, scaled)
    _row("RPO error vs truth max", lambda c: f"{max(c.rpo_err):.2f} s "
         f"({max(c.rpo_err) / marker:.0%})", virtual, scaled)
    _row("probe jitter p50 / p99", lambda c: "0 (by design)" if c is virtual else
         f"{_pct(c.lags, 50):.1%} / {_pct(c.lags, 99):.1%}", virtual, scaled)
    print(f"  probe jitter of an idle prober at {scaled.name}: p50 {idle['p50_share']:.1%}, "
          f"p99 {idle['p99_share']:.1%} of the interval")


def _num(value: Any) -> str:
    """A figure for the table: seconds to two decimals, anything else (None) as text."""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _draw_rate(draws: int) -> None:
    rate = measure_draw_rate(draws)
    print(f"\nforecast draws/minute: {rate.per_minute:.1f} ({rate.draws} draws of region-loss "
          f"in {rate.wall_seconds:.0f} s wall, {rate.jobs} workers, {rate.clock} clock)")


def _determinism(tmp: Path, seeds: int) -> int:
    print(f"\ndeterminism on virtual time: seeds 1-{seeds}, idle, then with two CPU-burning "
          "processes", flush=True)
    idle = {seed: figures(_drill(tmp, seed)[0]) for seed in range(1, seeds + 1)}
    with busy_host(2):
        busy = {seed: figures(_drill(tmp, seed)[0]) for seed in range(1, seeds + 1)}
    print(f"  {'seed':>4}{'RTO idle':>12}{'RTO busy':>12}{'RPO idle':>10}{'RPO busy':>10}  same")
    for seed in idle:
        a, b = idle[seed], busy[seed]
        print(f"  {seed:>4}{_num(a[0]):>12}{_num(b[0]):>12}{_num(a[1]):>10}{_num(b[1]):>10}  "
              f"{'yes' if a == b else 'NO'}")
    differ = sum(idle[s] != busy[s] for s in idle)
    print(f"  seeds whose figures differ (RTO, RPO, per-store RPO, phases, lost markers): "
          f"{differ} of {seeds}")
    return differ


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; 1 if a drill could not measure or a seed
    gave different figures idle and busy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="seeds timed on each clock (3)")
    parser.add_argument("--time-scale", type=float, default=60.0,
                        help="the scaled clock's drill seconds per real second (60)")
    parser.add_argument("--seeds", type=int, default=10, help="seeds run idle and busy (10)")
    parser.add_argument("--draws", type=int, default=20,
                        help="draws of the forecast whose draws/minute is printed (20; 0: none)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.seeds < 1 or args.draws < 0 or args.time_scale <= 0:
        parser.error("--runs and --seeds must be >= 1, --draws >= 0 and --time-scale > 0")
    settings = load_settings()
    with tempfile.TemporaryDirectory(prefix="drill-bench-") as tmp:
        clocks = _speed(Path(tmp), args.runs, args.time_scale)
        if clocks is None:
            return 1
        _print_speed(*clocks, settings.probe_interval_s, settings.marker_interval_s)
        differ = _determinism(Path(tmp), args.seeds)
    if args.draws:
        _draw_rate(args.draws)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

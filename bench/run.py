"""``make bench``: how fast and how accurate the region-loss drill is on this machine.

Prints, for N full drills on the embedded backend (different latency seeds):
- wall time per drill (real seconds), and the share of it spent outside the scaled clock;
- the probes' cadence jitter: how far each probe's send trailed its tick, p50/p99 as a share
  of the probe interval (from the drills' own probers, and from an idle prober for contrast);
- the RTO and RPO error against the simulator's ground truth, in drill seconds and as a share
  of the probe / marker interval (the accuracy bound is one interval).

Targets are figures to watch, not assertions: a noisy machine shifts them.
Usage: ``python bench/run.py [--runs N] [--time-scale X]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.probe_jitter import measure_jitter
from drills.run.scenario import region_loss
from drills.settings.config import load_settings


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; 0 unless a drill could not measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="drills to run (default 5)")
    parser.add_argument("--time-scale", type=float, default=60.0,
                        help="drill seconds per real second (default 60, as `make drill`)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.time_scale <= 0:
        parser.error("--runs must be >= 1 and --time-scale > 0")

    walls, lags, rto_err, rpo_err, rtos = [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="drill-bench-") as tmp:
        for seed in range(1, args.runs + 1):
            settings = load_settings(overrides={"runs_dir": Path(tmp), "seed": seed,
                                                "time_scale": args.time_scale})
            start = time.monotonic()
            drill = region_loss(settings)
            walls.append(time.monotonic() - start)
            if drill.result is None or drill.result.ground_truth is None:
                print(f"seed {seed}: the drill did not measure (exit {drill.exit_code})")
                return 1
            truth = drill.result.ground_truth
            rtos.append(drill.result.rto_seconds)
            rto_err.append(drill.result.rto_seconds - truth.rto_seconds)
            rpo_err.append(drill.result.rpo_seconds - truth.rpo_seconds)
            assert drill.prober is not None
            lags += [abs(x) / settings.probe_interval_s for x in drill.prober.send_lags()]
            print(f"  run {seed}/{args.runs}: {walls[-1]:5.1f} s wall, RTO "
                  f"{drill.result.rto_seconds:6.1f} s (truth {truth.rto_seconds:6.1f} s), RPO "
                  f"{drill.result.rpo_seconds:4.1f} s (truth {truth.rpo_seconds:4.1f} s)",
                  flush=True)
    idle = measure_jitter(scale=args.time_scale, samples=100)
    interval, marker = settings.probe_interval_s, settings.marker_interval_s
    print(f"\nregion-loss drill, {args.runs} runs at {args.time_scale:g}x "
          f"(probe interval {interval:g} s, marker interval {marker:g} s)")
    print(f"  wall time per drill     p50 {_pct(walls, 50):5.1f} s   max {max(walls):5.1f} s   "
          f"(target < 60 s at 60x)")
    print(f"  drill RTO               p50 {_pct(rtos, 50):6.1f} s   max {max(rtos):6.1f} s")
    print(f"  probe jitter in drills  p50 {_pct(lags, 50):6.1%}   p99 {_pct(lags, 99):6.1%}   "
          f"of the interval ({len(lags)} samples)")
    print(f"  probe jitter when idle  p50 {idle['p50_share']:6.1%}   "
          f"p99 {idle['p99_share']:6.1%}   of the interval")
    abs_rto = [abs(e) for e in rto_err]
    abs_rpo = [abs(e) for e in rpo_err]
    print(f"  RTO error vs truth      mean {statistics.fmean(abs_rto):5.2f} s   "
          f"max {max(abs_rto):5.2f} s   = {max(abs_rto) / interval:5.1%} of the probe interval")
    print(f"  RPO error vs truth      mean {statistics.fmean(abs_rpo):5.2f} s   "
          f"max {max(abs_rpo):5.2f} s   = {max(abs_rpo) / marker:5.1%} of the marker interval")
    return 0


if __name__ == "__main__":
    sys.exit(main())

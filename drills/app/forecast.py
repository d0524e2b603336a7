"""A forecast: many seeded drills of a feature's scenarios, each on its own embedded world.

Draw ``i`` runs every scenario of the feature with seed ``seeds[i]`` in a worker process
(``jobs`` of them), exactly as ``drill run --seed`` would: pytest-bdd, the steps, a fresh
moto server and simulator, a run folder in a temporary place that is read and then removed.
Nothing is shared between draws but the seed list, so the figures do not depend on which
worker ran which draw, nor in which order. Ctrl-C (or SIGTERM) in the parent stops handing
out draws and interrupts every worker, whose drill reverts its fault and closes as usual.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from drills.settings.config import Settings, load_settings
from infra.core.errors import ConfigError, DrillError
from reports.forecast_records import Draw, ForecastRecord, StepDraw, StoreDraw

__all__ = ["DrawOutcome", "Forecast", "default_jobs", "draw_from_journal", "forecast_dir",
           "run_draws", "run_forecast", "seed_list"]

# Draw i's seed is the i-th draw of this generator from the forecast's own seed: the same
# --seed gives the same seeds, so the same forecast, whatever the number of workers.
SEED_SPACE = 2**31


@dataclass(frozen=True, slots=True)
class DrawOutcome:
    """What one worker returned for one seed: a draw per scenario, or why it could not run."""

    seed: int
    draws: tuple[Draw, ...]
    error: str | None = None


def seed_list(base_seed: int, count: int) -> tuple[int, ...]:
    """``count`` distinct seeds drawn from ``base_seed`` (the forecast's --seed)."""
    rng = random.Random(base_seed)
    seen: dict[int, None] = {}
    while len(seen) < count:
        seen.setdefault(rng.randrange(SEED_SPACE), None)
    return tuple(seen)


def default_jobs() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def _events(path: Path) -> Iterator[dict[str, Any]]:
    from drills.journal.timeline import read_events

    return read_events(path) if path.is_file() else iter(())


def draw_from_journal(run_dir: Path, scenario: str, seed: int) -> Draw:
    """The draw a run folder's journal records: RTO, RPO per store, phases, runbook steps."""
    events = list(_events(run_dir / "timeline.jsonl"))
    last = {e["kind"]: e for e in events}
    m, truth, end = last.get("measurement"), last.get("ground_truth"), last.get("run.finished")
    objectives = {**((last.get("run.started") or {}).get("objectives") or {}),
                  **(last.get("objectives") or {})}
    outage = (m or {}).get("outage_start") or next(
        (e["t"] for e in events if e["kind"] == "fault.injected"), 0.0)
    steps, started = [], {}
    for e in events:
        if e["kind"] == "runbook.step.started":
            started[e["step"]] = e
        elif e["kind"] == "runbook.step.finished" and e["step"] in started:
            s = started.pop(e["step"])
            steps.append(StepDraw(e["step"], round(s["t"] - outage, 6), round(e["t"] - outage, 6),
                                  str(e.get("status")), tuple(s.get("after") or ())))
    return Draw(
        scenario=scenario, seed=seed, exit_code=int((end or {}).get("exit_code", 1)),
        verdict=str((end or {}).get("verdict", "incomplete")),
        rto_seconds=(m or {}).get("rto_seconds"),
        rpo_seconds=(m or {}).get("rpo_seconds"),
        rto_objective_s=float(objectives.get("rto_seconds", 0.0)),
        rpo_objective_s=float(objectives.get("rpo_seconds", 0.0)),
        parts=_parts(m, steps), stores=_stores(m),
        steps=tuple(steps), true_rto_seconds=(truth or {}).get("rto_seconds"),
        error=None if (end or {}).get("passed") else (end or {}).get("reason"))


def _parts(m: dict[str, Any] | None, steps: Sequence[StepDraw]) -> tuple[tuple[str, float], ...]:
    """The RTO split: detect, decide, failover (the runbook's span), recovery (the rest)."""
    if not m or m.get("rto_seconds") is None:
        return ()
    detect, decide = m.get("detect_seconds") or 0.0, m.get("decide_seconds") or 0.0
    runbook = (max(s.end_s for s in steps) - min(s.start_s for s in steps)) if steps else 0.0
    rest = m["rto_seconds"] - detect - decide - runbook
    return (("detect", detect), ("decide", decide), ("failover", runbook),
            ("recovery", max(0.0, rest)))


def _stores(m: dict[str, Any] | None) -> tuple[StoreDraw, ...]:
    found = (m or {}).get("stores") or {}
    return tuple(StoreDraw(name, s.get("rpo_seconds"), s.get("objective_seconds"), s.get("met"))
                 for name, s in found.items())


def _draw(feature: str, overrides: dict[str, Any], seed: int) -> DrawOutcome:
    """In a worker: run the feature once with ``seed``; a draw per scenario that started.

    An error that escapes the drill's own handling comes back as the draw's error, named,
    so one bad draw does not stop the forecast; an interrupt is re-raised.
    """
    try:
        return _run_draw(feature, overrides, seed)
    except Exception as exc:  # reported with its seed, which reproduces it
        return DrawOutcome(seed, (), f"{type(exc).__name__}: {exc}")


def _run_draw(feature: str, overrides: dict[str, Any], seed: int) -> DrawOutcome:
    from drills.app.feature_runner import run_feature

    with tempfile.TemporaryDirectory(prefix=f"drill-draw-{seed}-") as tmp:
        settings = load_settings(overrides={**overrides, "seed": seed, "runs_dir": Path(tmp)})
        results = Path(tmp) / ".results"
        results.mkdir()
        run = run_feature(Path(feature), settings, progress=lambda _m: None,
                          results_dir=results, forecast_draw=True)
        if run.interrupted:
            raise KeyboardInterrupt
        if run.refusal is not None or not run.drills:
            return DrawOutcome(seed, (), str(run.refusal or "; ".join(run.failures)
                                              or "no scenario started a drill"))
        draws = tuple(draw_from_journal(d.run_dir, d.scenario, seed) for d in run.drills)
        for d in run.drills:
            shutil.rmtree(d.run_dir, ignore_errors=True)
    return DrawOutcome(seed, draws)


def _worker_init() -> None:
    """SIGINT and SIGTERM unwind a worker's drill as in `drill run`; pytest's chatter is muted.

    Only the parent talks to the terminal (its progress bar); a draw's failure comes back in
    its outcome, and stderr stays open for a worker that crashes outright.
    """
    from drills.safety.interrupts import install_handlers

    install_handlers()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def run_draws(feature: Path, settings: Settings, seeds: Sequence[int], *, jobs: int,
              on_draw: Callable[[DrawOutcome], None]) -> list[DrawOutcome]:
    """Run one draw per seed over ``jobs`` processes; ``on_draw`` sees each as it ends.

    The result is in seed-list order. KeyboardInterrupt (Ctrl-C, SIGTERM) stops the pool:
    no new draw starts, every worker is interrupted and waited for, then it is re-raised.
    """
    if jobs < 1:
        raise ConfigError(f"--jobs takes a number of worker processes >= 1, got {jobs}")
    overrides = settings.model_dump()
    done: dict[int, DrawOutcome] = {}
    # spawn, not fork: a worker must not inherit this process's threads (rich's refresher).
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(seeds)) or 1,
                               mp_context=get_context("spawn"), initializer=_worker_init)
    try:
        pending: set[Future[DrawOutcome]] = {
            pool.submit(_draw, str(feature), overrides, seed) for seed in seeds}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                outcome = future.result()
                done[outcome.seed] = outcome
                on_draw(outcome)
    except BrokenProcessPool as exc:  # a worker died outright (killed, out of memory)
        _stop(pool)
        raise DrillError(f"a forecast worker process died ({exc}); draws finished so far: "
                         f"{len(done)} of {len(seeds)}. Try fewer --jobs") from None
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return [done[seed] for seed in seeds]


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started, interrupt the workers' drills, and wait for them."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    for process in workers:
        if process.is_alive() and process.pid:
            try:
                os.kill(process.pid, signal.SIGINT)
            except ProcessLookupError:  # it ended on its own meanwhile
                continue
    pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True, slots=True)
class Forecast:
    """A finished forecast: its record (every draw), folder, and the draws that failed to run."""

    record: ForecastRecord
    folder: Path
    errors: tuple[DrawOutcome, ...]


def forecast_dir(runs_dir: Path, feature: Path) -> Path:
    """A fresh folder for a forecast of ``feature`` under ``runs_dir``."""
    from drills.journal.runinfo import new_run_dir

    return new_run_dir(runs_dir, f"forecast-{Path(feature).stem}")


def _shown(feature: Path) -> str:
    """The feature's path as `drill run` takes it here: relative to the working directory."""
    path = Path(feature).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def run_forecast(feature: Path, settings: Settings, *, draws: int, jobs: int, seed: int,
                 on_draw: Callable[[DrawOutcome], None] = lambda _o: None) -> Forecast:
    """Run ``draws`` seeded draws of ``feature`` and publish the forecast folder."""
    from drills.app.feature_runner import load_feature
    from reports import load_signing_key
    from reports.forecast_page import publish_forecast

    if draws < 1:
        raise ConfigError(f"--draws takes a number of drills >= 1, got {draws}")
    if settings.backend != "embedded":
        raise ConfigError("a forecast runs on the embedded backend only: each draw deploys "
                          "its own simulated world, which a real account cannot give")
    parsed = load_feature(feature)
    clock = settings.clock if hasattr(settings, "clock") else "scaled"
    start = time.monotonic()  # host speed for the record only, never a drill figure
    seeds = seed_list(seed, draws)
    outcomes = run_draws(feature, settings, seeds, jobs=jobs, on_draw=on_draw)
    names = tuple(dict.fromkeys(
        [d.scenario for o in outcomes for d in o.draws]
        or [s.name for s in parsed.scenarios.values()]))
    record = ForecastRecord(
        feature=_shown(feature), scenarios=names, draws_per_scenario=draws, base_seed=seed,
        seeds=seeds, clock=str(clock),
        time_scale=settings.time_scale if clock == "scaled" else None,
        draws=tuple(d for o in outcomes for d in o.draws),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        wall_seconds=round(time.monotonic() - start, 1))
    key = os.environ.get("DRILL_SIGNING_KEY")
    folder = forecast_dir(settings.runs_dir, feature)  # only now: an interrupt leaves none
    publish_forecast(folder, record, signing_key=load_signing_key(value=key) if key else None)
    return Forecast(record, folder, tuple(o for o in outcomes if o.error))

"""What a forecast keeps of each draw, and ``forecast.json``: every draw, written and read back.

A draw is one full drill of a scenario on its own embedded world, with its own seed. Only
what the forecast's figures need is kept (RTO, RPO per store, phases and runbook steps, in
drill seconds); the seed reproduces the whole run with ``drill run --seed``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["FORECAST_FILE", "Draw", "ForecastRecord", "StepDraw", "StoreDraw", "latest_forecast",
           "load_forecast", "percentile_rank", "write_forecast"]

FORECAST_FILE = "forecast.json"
SCHEMA = "streamflix-dr/forecast/v1"


@dataclass(frozen=True, slots=True)
class StoreDraw:
    """One data store's RPO in a draw (None: no recovery point) and its objective."""

    store: str
    rpo_seconds: float | None
    objective_seconds: float | None
    met: bool | None


@dataclass(frozen=True, slots=True)
class StepDraw:
    """One runbook step of a draw, in drill seconds from the outage's start."""

    step: str
    start_s: float
    end_s: float
    status: str
    after: tuple[str, ...] = ()

    @property
    def duration_s(self) -> float:
        """How long the step took."""
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class Draw:
    """One drill of one scenario: its seed, verdict, RTO and RPO, and where the time went."""

    scenario: str
    seed: int
    exit_code: int
    verdict: str
    rto_seconds: float | None
    rpo_seconds: float | None
    rto_objective_s: float
    rpo_objective_s: float
    # The RTO's parts: detect, decide, failover (the runbook), recovery (until served).
    parts: tuple[tuple[str, float], ...] = ()
    stores: tuple[StoreDraw, ...] = ()
    steps: tuple[StepDraw, ...] = ()
    true_rto_seconds: float | None = None
    error: str | None = None

    @property
    def rto_met(self) -> bool:
        """Whether the service was back within the objective (a draw that never was: no)."""
        return self.rto_seconds is not None and self.rto_seconds <= self.rto_objective_s

    @property
    def rpo_met(self) -> bool:
        """Whether the database lost no more than the objective (not measured: no)."""
        return self.rpo_seconds is not None and self.rpo_seconds <= self.rpo_objective_s


@dataclass(frozen=True, slots=True)
class ForecastRecord:
    """A forecast's inputs and every draw, as ``forecast.json`` holds them."""

    feature: str
    scenarios: tuple[str, ...]
    draws_per_scenario: int
    base_seed: int
    seeds: tuple[int, ...]
    clock: str
    time_scale: float | None
    draws: tuple[Draw, ...]
    created: str = ""
    wall_seconds: float | None = None  # the forecast's real duration (host speed, not a figure)

    def of(self, scenario: str) -> tuple[Draw, ...]:
        """The draws of one scenario, in seed order."""
        return tuple(d for d in self.draws if d.scenario == scenario)


def write_forecast(record: ForecastRecord, path: Path) -> Path:
    """Write ``forecast.json`` (sorted keys, so the same draws give the same bytes)."""
    body = {"schema": SCHEMA, **asdict(record)}
    Path(path).write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return Path(path)


def load_forecast(path: Path) -> ForecastRecord:
    """Read ``forecast.json`` back; ValueError when it is not a forecast."""
    body = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(body, dict) or body.get("schema") != SCHEMA:
        raise ValueError(f"{path} is not a forecast ({SCHEMA})")
    draws = tuple(_draw(d) for d in body["draws"])
    return ForecastRecord(
        feature=body["feature"], scenarios=tuple(body["scenarios"]),
        draws_per_scenario=int(body["draws_per_scenario"]), base_seed=int(body["base_seed"]),
        seeds=tuple(int(s) for s in body["seeds"]), clock=str(body["clock"]),
        time_scale=body.get("time_scale"), draws=draws, created=body.get("created", ""),
        wall_seconds=body.get("wall_seconds"))


def _draw(d: dict[str, Any]) -> Draw:
    return Draw(
        scenario=d["scenario"], seed=int(d["seed"]), exit_code=int(d["exit_code"]),
        verdict=d["verdict"], rto_seconds=d["rto_seconds"], rpo_seconds=d["rpo_seconds"],
        rto_objective_s=float(d["rto_objective_s"]), rpo_objective_s=float(d["rpo_objective_s"]),
        parts=tuple((str(n), float(v)) for n, v in d.get("parts", ())),
        stores=tuple(StoreDraw(**s) for s in d.get("stores", ())),
        steps=tuple(StepDraw(s["step"], s["start_s"], s["end_s"], s["status"],
                             tuple(s.get("after", ()))) for s in d.get("steps", ())),
        true_rto_seconds=d.get("true_rto_seconds"), error=d.get("error"))


def latest_forecast(runs_dir: Path, scenario: str) -> tuple[Path, ForecastRecord] | None:
    """The newest forecast folder under ``runs_dir`` with draws of ``scenario``, if any.

    Folder names start with their UTC creation time, so the greatest name is the newest; a
    folder whose forecast.json cannot be read is passed over.
    """
    candidates = sorted((p.parent for p in Path(runs_dir).glob(f"*/{FORECAST_FILE}")),
                        reverse=True)
    for folder in candidates:
        try:
            record = load_forecast(folder / FORECAST_FILE)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if record.of(scenario):
            return folder, record
    return None


def percentile_rank(record: ForecastRecord, scenario: str, rto_seconds: float) -> int:
    """Share of the scenario's draws (in %) whose RTO was at most ``rto_seconds``.

    A draw that never recovered counts as longer than any RTO.
    """
    draws = record.of(scenario)
    at_most = sum(d.rto_seconds is not None and d.rto_seconds <= rto_seconds for d in draws)
    return round(100 * at_most / len(draws)) if draws else 0

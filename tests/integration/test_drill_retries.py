"""A busy AWS (throttling or HTTP 503 on a fifth of the calls) must not change the verdict."""

from __future__ import annotations

import json

import pytest

from drills.run.scenario import region_loss
from drills.settings.config import load_settings

__all__: list[str] = []

pytestmark = [pytest.mark.drill, pytest.mark.slow]


def _run(tmp_path, name: str, **overrides):
    # Objectives wide enough that timing noise (the DNS TTL boundary, the replication lag at
    # the instant of the outage) cannot flip the verdict: what is tested is the retries.
    settings = load_settings(overrides={"runs_dir": tmp_path / name, "time_scale": 300.0,
                                        "seed": 3, "rto_objective_s": 1800.0,
                                        "rpo_objective_s": 60.0, **overrides})
    drill = region_loss(settings)
    lines = (drill.run_dir / "timeline.jsonl").read_text(encoding="utf-8").splitlines()
    return drill, [json.loads(line) for line in lines]


def test_a_fifth_of_api_calls_failing_leaves_the_verdict_unchanged(tmp_path):
    calm, calm_events = _run(tmp_path, "calm")
    busy, busy_events = _run(tmp_path, "busy", api_error_rate=0.2, api_max_attempts=8)
    verdict = [e for e in busy_events if e["kind"] == "run.finished"][-1]
    assert (busy.exit_code, verdict["verdict"]) == (calm.exit_code, "passed")
    assert not [e for e in calm_events if e["kind"] == "api.retry"]
    retries = [e for e in busy_events if e["kind"] == "api.retry"]
    assert len(retries) >= 3, f"only {len(retries)} retries journaled at a 20% error rate"
    errors = {e["error"].split(" ")[0] for e in retries}
    assert errors <= {"Throttling", "ThrottlingException", "503"}, errors
    # Each retry names the call it repeated, so the journal shows where the drill waited.
    assert all(e["service"] and e["operation"] and e["attempt"] >= 1 for e in retries)

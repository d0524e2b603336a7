"""A forecast as a Gherkin scenario under ``drill run``, and Ctrl-C in the middle of one."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from drills.app.forecast import seed_list
from drills.journal.runinfo import PROJECT_ROOT
from reports.forecast_records import load_forecast
from tests.drillcli import drill_command
from tests.integration.test_forecast import TIMEOUT_S, env

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill]

FORECAST_FEATURE = PROJECT_ROOT / "features" / "forecasts" / "region_loss_forecast.feature"


def test_a_forecast_scenario_runs_its_draws_and_passes_through_drill_run(tmp_path):
    text = FORECAST_FEATURE.read_text(encoding="utf-8")
    small = re.sub(r"in at least \d+% of 200 draws", "in at least 50% of 3 draws", text)
    assert small.count("of 3 draws") == 2
    feature = tmp_path / "forecast.feature"
    feature.write_text(small, encoding="utf-8")
    out = tmp_path / "runs"
    done = subprocess.run(drill_command("run", str(feature), "--seed", "11", "--out", str(out)),
                          env=env(), capture_output=True, text=True, timeout=TIMEOUT_S,
                          check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (folder,) = out.glob("*-forecast-*")
    record = load_forecast(folder / "forecast.json")
    # One forecast for both steps, its seeds drawn from the scenario's own seed.
    assert record.seeds == seed_list(11, 3) and len(record.draws) == 3
    (run_dir,) = (p for p in out.iterdir() if (p / "junit.xml").is_file())
    junit = (run_dir / "junit.xml").read_text(encoding="utf-8")
    assert 'failures="0"' in junit and 'errors="0"' in junit and 'tests="1"' in junit
    assert "this draw: p" in done.stdout  # the drill placed in the forecast just made


def _draw_underway(tmp: Path) -> bool:
    """Whether some worker's drill has injected its fault (its journal says so)."""
    return any("fault.injected" in journal.read_text(encoding="utf-8")
               for journal in tmp.glob("drill-draw-*/*/timeline.jsonl"))


def _marked_processes(marker: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def test_ctrl_c_stops_every_worker_and_writes_no_forecast(tmp_path):
    tmp, out = tmp_path / "tmp", tmp_path / "runs"
    tmp.mkdir()
    marker = f"drill-forecast-interrupt-{os.getpid()}"
    process = subprocess.Popen(
        drill_command("forecast", "region-loss", "--draws", "6", "--jobs", "2", "--out",
                      str(out)),
        env={**env(), "TMPDIR": str(tmp), "DRILL_TEST_MARKER": marker},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        Retrying(stop=stop_after_delay(180), wait=wait_fixed(0.2),
                 retry=retry_if_result(lambda found: not found), reraise=True)(
            _draw_underway, tmp)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 3, stdout[-2000:] + stderr[-2000:]
    assert "interrupted by SIGINT" in stderr and "Traceback" not in stdout + stderr
    assert not list(out.glob("*-forecast-*"))
    assert _marked_processes(marker) == []  # every worker, with its embedded world, is gone
    assert not list(tmp.glob("drill-draw-*"))  # each draw closed and removed its run folder

"""``drill forecast`` through the CLI, checked against the same seeds run one by one.

One forecast of ``features/forecasts/runbooks.feature`` (the guide's runbook and the parallel
one, on the same seeds) serves the module; each of its seeds is then run with ``drill run
--seed`` as an operator would, and the forecast must agree with what those runs measured.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from drills.app.forecast import seed_list
from drills.journal.runinfo import PROJECT_ROOT
from drills.journal.timeline import read_events
from reports.forecast_page import summaries_of
from reports.forecast_records import ForecastRecord, load_forecast
from tests.drillcli import drill_command, drill_env
from tests.integration.test_report_browser import CHROMIUM, _chromium, _Ids

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill]

FEATURE = PROJECT_ROOT / "features" / "forecasts" / "runbooks.feature"
DRAWS, SEED = 3, 20261207
TIMEOUT_S = 900


class Forecasted(NamedTuple):
    """A finished forecast: its folder, record and what the CLI printed."""

    folder: Path
    record: ForecastRecord
    stdout: str
    stderr: str


def env() -> dict[str, str]:
    """The CLI's environment: no developer settings (drills run on virtual time), wide output."""
    return drill_env(COLUMNS="200")


def forecast_cli(out: Path, *args: str, feature: Path = FEATURE) -> subprocess.CompletedProcess:
    """``drill forecast FEATURE --draws N --seed S --jobs 2 --out OUT`` as a subprocess."""
    return subprocess.run(
        drill_command("forecast", str(feature), "--draws", str(DRAWS), "--seed", str(SEED),
                      "--jobs", "2", "--out", str(out), *args),
        env=env(), capture_output=True, text=True, timeout=TIMEOUT_S, check=False)


def finished(out: Path, done: subprocess.CompletedProcess) -> Forecasted:
    """The forecast folder a successful run left in ``out``."""
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    folders = sorted(out.glob("*-forecast-*"))
    assert len(folders) == 1, folders
    return Forecasted(folders[0], load_forecast(folders[0] / "forecast.json"), done.stdout,
                      done.stderr)


@pytest.fixture(scope="module")
def forecast(tmp_path_factory) -> Forecasted:
    out = tmp_path_factory.mktemp("forecast")
    return finished(out, forecast_cli(out))


@pytest.fixture(scope="module")
def single_runs(forecast, tmp_path_factory) -> dict[tuple[str, int], Path]:
    """Every seed of the forecast run by ``drill run --seed``: (scenario, seed) -> run folder."""
    base = tmp_path_factory.mktemp("single")

    def run(seed: int) -> list[Path]:
        out = base / str(seed)
        done = subprocess.run(drill_command("run", str(FEATURE), "--seed", str(seed), "--out",
                                            str(out)), env=env(), capture_output=True,
                              text=True, timeout=TIMEOUT_S, check=False)
        assert done.returncode in (0, 1), done.stderr[-3000:]
        return sorted(p for p in out.iterdir() if (p / "evidence.json").is_file())

    with ThreadPoolExecutor(max_workers=2) as pool:
        folders = [p for found in pool.map(run, forecast.record.seeds) for p in found]
    runs = {}
    for folder in folders:
        evidence = json.loads((folder / "evidence.json").read_text(encoding="utf-8"))
        runs[evidence["scenario"], int(evidence["provenance"]["seed"])] = folder
    assert len(runs) == 2 * DRAWS
    return runs


def test_forecast_reports_both_runbooks_side_by_side(forecast):
    assert forecast.record.seeds == seed_list(SEED, DRAWS)
    assert len(forecast.record.scenarios) == 2
    assert len(forecast.record.draws) == 2 * DRAWS
    assert "P(RTO ≤ 900 s)" in forecast.stdout and "p95 RTO:" in forecast.stdout
    assert f"{DRAWS}/{DRAWS}" in forecast.stderr  # the progress bar, finished


def test_parallel_runbook_has_a_lower_p95_rto(forecast):
    sequential, parallel = summaries_of(forecast.record)
    assert "sequential" in sequential.scenario and "parallel" in parallel.scenario
    assert parallel.rto.p95 is not None and sequential.rto.p95 is not None
    assert parallel.rto.p95 < sequential.rto.p95
    # On the same seeds the promotion takes as long in both; only the scale-up stops adding.
    assert dict((p.name, p.mean_seconds) for p in parallel.phases)["failover"] < dict(
        (p.name, p.mean_seconds) for p in sequential.phases)["failover"]


def test_interval_contains_the_share_of_the_same_seeds_run_one_by_one(forecast, single_runs):
    for summary in summaries_of(forecast.record):
        met = []
        for draw in forecast.record.of(summary.scenario):
            ev = json.loads((single_runs[summary.scenario, draw.seed] / "evidence.json")
                            .read_text(encoding="utf-8"))
            met.append(bool(ev["rto"]["met"]))
            if forecast.record.clock == "virtual":  # one seed, one answer: exactly the same
                assert ev["rto_seconds"] == pytest.approx(draw.rto_seconds, abs=1e-6)
        share = sum(met) / len(met)
        assert summary.rto_met.low <= share <= summary.rto_met.high, (summary, met)


def test_parallel_runbook_points_dns_at_dr_only_once_its_database_takes_writes(single_runs):
    parallel = [p for (scenario, _seed), p in single_runs.items() if "parallel" in scenario]
    assert len(parallel) == DRAWS
    for run_dir in parallel:
        truth = list(read_events(run_dir / "ground_truth.jsonl"))
        writable = [e["t"] for e in truth if e["kind"] == "fact" and e["region"] == "us-east-1"
                    and e["component"] == "database" and e["ok"]]
        to_dr = [e["t"] for e in truth if e["kind"] == "dns.change" and "dr" in e["value"]]
        assert writable and to_dr, run_dir
        assert min(to_dr) >= min(writable), (run_dir, to_dr, writable)
        steps = {(e["kind"], e["step"]): e["t"] for e in read_events(run_dir / "timeline.jsonl")
                 if e["kind"].startswith("runbook.step.")}
        started, ended = "runbook.step.started", "runbook.step.finished"
        assert steps[started, "switch-dns"] >= max(steps[ended, "promote-replica"],
                                                   steps[ended, "scale-dr-service"])
        # Run at once: the scale-up started before the promotion ended.
        assert steps[started, "scale-dr-service"] < steps[ended, "promote-replica"]


def test_same_seeds_give_the_same_figures_twice(forecast, tmp_path):
    again = finished(tmp_path, forecast_cli(tmp_path))
    assert again.record.draws == forecast.record.draws
    assert summaries_of(again.record) == summaries_of(forecast.record)
    assert (again.folder / "metrics.prom").read_bytes() == (
        forecast.folder / "metrics.prom").read_bytes()


def test_metrics_give_the_quantiles_and_the_share_that_met_the_objective(forecast):
    families = {f.name: f for f in text_string_to_metric_families(
        (forecast.folder / "metrics.prom").read_text(encoding="utf-8"))}
    for summary in summaries_of(forecast.record):
        rto = {s.labels["quantile"]: s.value for s in families["dr_drill_forecast_rto_seconds"]
               .samples if s.labels["scenario"] == summary.scenario}
        assert rto["0.95"] == summary.rto.p95 and rto["1"] == summary.rto.max
        ratio = {s.labels["objective"]: s.value for s in families[
            "dr_drill_forecast_objective_met_ratio"].samples
            if s.labels["scenario"] == summary.scenario}
        draws = forecast.record.of(summary.scenario)
        assert ratio["rto"] == sum(d.rto_met for d in draws) / len(draws)


def test_forecast_folder_verifies_and_an_altered_draw_is_named(forecast, tmp_path):
    done = subprocess.run(drill_command("verify", str(forecast.folder)), env=env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout
    copy = tmp_path / forecast.folder.name
    subprocess.run(["cp", "-r", str(forecast.folder), str(copy)], check=True)
    body = json.loads((copy / "forecast.json").read_text(encoding="utf-8"))
    body["draws"][0]["rto_seconds"] = 1.0
    (copy / "forecast.json").write_text(json.dumps(body), encoding="utf-8")
    done = subprocess.run(drill_command("verify", str(copy)), env=env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "forecast.json: altered" in done.stdout


@pytest.mark.parametrize("args", [("--draws", "0"), ("--jobs", "0"), ("--seed", "x")],
                         ids=["no-draws", "no-workers", "bad-seed"])
def test_bad_input_exits_2_with_one_paragraph(args, tmp_path):
    cmd = drill_command("forecast", str(FEATURE), "--draws", "3", "--out", str(tmp_path), *args)
    done = subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert not list(tmp_path.iterdir())


def test_missing_feature_exits_2(tmp_path):
    done = forecast_cli(tmp_path, feature=tmp_path / "nope.feature")
    assert done.returncode == 2 and "does not exist" in done.stderr


@pytest.mark.skipif(CHROMIUM is None,
                    reason="chromium is not installed (Debian: apt-get install chromium)")
def test_forecast_page_shows_both_charts_in_chromium_with_no_network(forecast, tmp_path):
    done = _chromium(tmp_path, "--dump-dom", (forecast.folder / "report.html").as_uri())
    assert done.returncode == 0 and "</html>" in done.stdout, done.stderr[-2000:]
    dom = _Ids()
    dom.feed(done.stdout)
    for chart in ("histogram", "ecdf"):
        tags = dom.tags[f"{chart}-chart"]
        assert "svg" in tags and tags.count("path") + tags.count("use") > DRAWS, chart
        assert f"{chart}-svg" in dom.attrs
    assert "objective" in dom.text["histogram-chart"] and "objective" in dom.text["ecdf-chart"]
    assert "shorter" in dom.text["p95-gain"]
    shot = tmp_path / "forecast.png"
    done = _chromium(tmp_path, "--hide-scrollbars", "--window-size=1280,1600",
                     f"--screenshot={shot}", (forecast.folder / "report.html").as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # a blank or error page has a handful

"""Push a run's metrics to a real Pushgateway and read them back through a real Prometheus.

The first test runs a real drill through the CLI, which pushes as an operator's run does; the
others push a synthetic run folder (``tests/runfolder.py``) as fast checks of ``publish``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from drills.journal.runinfo import PROJECT_ROOT
from reports import load_evidence, publish, push
from tests.drillcli import LaunchedDrill, drill_env
from tests.runfolder import build_run_folder, run_folder_for_tests

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first

RULES = PROJECT_ROOT / "infra" / "prometheus" / "drill-rules.yaml"
PUSHGATEWAY = shutil.which("prometheus-pushgateway")
PROMETHEUS = shutil.which("prometheus")
needs_binaries = pytest.mark.skipif(
    PUSHGATEWAY is None or PROMETHEUS is None,
    reason="prometheus and prometheus-pushgateway binaries are not installed "
    "(Debian: apt-get install prometheus prometheus-pushgateway)")


class NotYet(Exception):
    """The condition polled for has not happened yet."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(check, *, deadline: float = 30.0):
    """Call ``check`` until it returns without raising NotYet, for at most ``deadline`` s."""
    for attempt in Retrying(stop=stop_after_delay(deadline), wait=wait_fixed(0.1), reraise=True,
                            retry=retry_if_exception_type((NotYet, requests.ConnectionError))):
        with attempt:
            return check()
    raise AssertionError("unreachable")


def _ready(url: str) -> None:
    if requests.get(url, timeout=2).status_code != 200:
        raise NotYet(url)


@contextlib.contextmanager
def _process(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def pushgateway(tmp_path) -> Iterator[str]:
    port = _free_port()
    args = [PUSHGATEWAY, f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={tmp_path / 'pushgateway.data'}"]
    with _process(args, tmp_path / "pushgateway.log"):
        url = f"http://127.0.0.1:{port}"
        _wait(lambda: _ready(f"{url}/-/ready"))
        yield url


@pytest.fixture
def prometheus(tmp_path, pushgateway) -> Iterator[str]:
    port = _free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files:\n  - {RULES}\n"
        "scrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n"
        f"    static_configs:\n      - targets: ['{pushgateway.removeprefix('http://')}']\n")
    args = [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}"]
    with _process(args, tmp_path / "prometheus.log"):
        url = f"http://127.0.0.1:{port}"
        _wait(lambda: _ready(f"{url}/-/ready"))
        yield url


def _query(prometheus_url: str, query: str) -> list[dict]:
    body = requests.get(f"{prometheus_url}/api/v1/query", params={"query": query},
                        timeout=5).json()
    if body.get("status") != "success" or not body["data"]["result"]:
        raise NotYet(f"{query}: {body}")
    return body["data"]["result"]


def _value(prometheus_url: str, metric: str, evidence: dict) -> float:
    selector = f'{metric}{{job="dr_drill",scenario={json.dumps(evidence["scenario"])}}}'
    found = _wait(lambda: _query(prometheus_url, selector))
    assert len(found) == 1, found
    return float(found[0]["value"][1])


@needs_binaries
def test_real_drill_rto_and_rpo_in_prometheus_match_its_evidence(shared_drill_alongside,
                                                                  pushgateway, prometheus,
                                                                  tmp_path):
    env = drill_env(DRILL_PUSHGATEWAY_URL=pushgateway)
    with LaunchedDrill(tmp_path / "drill", env) as drill:
        run = drill.wait()
    assert "metrics push" not in run.stderr, run.stderr[-2000:]
    evidence = json.loads((run.run_dir / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["rto_seconds"] is not None and evidence["rpo_seconds"] is not None, (
        f"drill exited {run.exit_code} without measuring: {evidence['verdict_reason']}")
    assert _value(prometheus, "dr_drill_rto_seconds", evidence) == evidence["rto_seconds"]
    assert _value(prometheus, "dr_drill_rpo_seconds", evidence) == evidence["rpo_seconds"]
    assert _value(prometheus, "dr_drill_success", evidence) == float(evidence["passed"])


@needs_binaries
def test_rto_reaches_prometheus_through_the_pushgateway(tmp_path, prometheus, pushgateway):
    run_dir = run_folder_for_tests(tmp_path / "run")
    result = publish(run_dir, pushgateway_url=pushgateway)
    assert result.push is not None and result.push.ok, result.push
    evidence = load_evidence(result.evidence)
    found = _wait(lambda: _query(prometheus, "dr_drill_rto_seconds"))
    assert len(found) == 1
    assert float(found[0]["value"][1]) == evidence.rto_seconds
    labels = found[0]["metric"]
    assert (labels["scenario"], labels["backend"], labels["job"]) == (
        evidence.scenario, evidence.backend, "dr_drill")


@needs_binaries
def test_rpo_and_phases_reach_prometheus(tmp_path, prometheus, pushgateway):
    run_dir = run_folder_for_tests(tmp_path / "run")
    evidence = load_evidence(publish(run_dir).evidence)
    assert push(evidence, pushgateway, environment="staging").ok
    rpo = _wait(lambda: _query(prometheus, 'dr_drill_rpo_seconds{environment="staging"}'))
    assert float(rpo[0]["value"][1]) == evidence.rpo_seconds
    phases = _wait(lambda: _query(prometheus, "dr_drill_phase_duration_seconds"))
    assert {r["metric"]["phase"] for r in phases} == {p.name for p in evidence.phases}


def _firing(prometheus_url: str, name: str) -> list[dict]:
    alerts = requests.get(f"{prometheus_url}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    found = [a for a in alerts if a["labels"]["alertname"] == name and a["state"] == "firing"]
    if not found:
        raise NotYet(f"{name} not firing: {alerts}")
    return found


def _evaluated_rules(prometheus_url: str) -> list[dict]:
    """The rule groups, once every rule has been evaluated at least once.

    A rule's health is "unknown" until its group's first evaluation; each group starts at
    its own offset within the evaluation interval, so one group may still be waiting.
    """
    groups = requests.get(f"{prometheus_url}/api/v1/rules", timeout=5).json()["data"]["groups"]
    pending = [r["name"] for g in groups for r in g["rules"] if r["health"] == "unknown"]
    if pending:
        raise NotYet(f"rules not evaluated yet: {pending}")
    return groups


@needs_binaries
def test_the_drill_rules_load_and_a_pushed_drill_fires_an_alert(tmp_path, prometheus,
                                                                 pushgateway):
    # RTO 460 s against an objective of 500 s: met, with under 20% to spare.
    run = build_run_folder(tmp_path / "run", rto_objective=500.0)
    result = publish(run.path, pushgateway_url=pushgateway)
    assert result.push is not None and result.push.ok, result.push
    groups = _wait(lambda: _evaluated_rules(prometheus))
    assert {g["name"] for g in groups} == {"dr-drill", "dr-drill-forecast"}
    assert all(r["health"] == "ok" for g in groups for r in g["rules"]), groups
    alert = _wait(lambda: _firing(prometheus, "DrDrillRtoNearObjective"))[0]
    assert (alert["labels"]["scenario"], alert["labels"]["severity"]) == (
        load_evidence(result.evidence).scenario, "warning")
    assert float(alert["value"]) == pytest.approx(460.0 / 500.0)
    ratio = _wait(lambda: _query(prometheus, "dr_drill:rto_objective_ratio"))
    assert float(ratio[0]["value"][1]) == pytest.approx(0.92)
    states = requests.get(f"{prometheus}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    assert "DrDrillFailed" not in {a["labels"]["alertname"] for a in states}  # it passed


def test_failed_push_is_reported_not_raised(tmp_path):
    run_dir = run_folder_for_tests(tmp_path / "run")
    closed = f"http://127.0.0.1:{_free_port()}"
    result = publish(run_dir, pushgateway_url=closed)
    assert result.push is not None and not result.push.ok
    assert "URLError" in (result.push.error or "") or "refused" in (result.push.error or "")
    assert result.evidence.exists() and result.manifest.exists()

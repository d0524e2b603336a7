"""The live dashboard in real headless Chromium, while a ``drill up`` rehearsal runs.

One ``drill up --scenario region-loss`` serves the module; the test opens the dashboard
address it printed in Chromium (Debian's, driven by Playwright; no browser is downloaded),
with every non-loopback request sent to a dead proxy, and acts as the operator with the
aws CLI. It reads what the page shows at each moment: the steady state, the outage once
the region is lost (taking a screenshot after the promotion and the scale-up and before
DNS moves), the recovery, and at the end the final RTO and verdict, which must be
evidence.json's.

The screenshot goes to the test's tmp folder, so a run leaves the tree as it was; with
``DRILL_UPDATE_SCREENSHOTS=1`` in the environment it replaces the one docs/rehearsal.md
shows, docs/img/dashboard-mid-outage.png.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from drills.journal.runinfo import PROJECT_ROOT
from drills.journal.timeline import read_events
from reports import run_folder
from tests.upcli import TIMEOUT_S, UpProcess

__all__: list[str] = []

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                               "(requirements-dev.txt)")
pytestmark = [pytest.mark.slow, pytest.mark.drill, pytest.mark.region_loss,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                 "(Debian: apt-get install chromium)")]

# Tasks that take 5 drill minutes to start: the first probes of the steady state fail while
# the primary's come up, and the page must not call that STEADY.
UP_ARGS = ("--scenario", "region-loss", "--time-scale", "60", "--seed", "7",
           "--latency", "rds_promote=240", "--latency", "fargate_start=300", "--linger", "0")
DOCS_SCREENSHOT = PROJECT_ROOT / "docs" / "img" / "dashboard-mid-outage.png"
WAIT_MS = TIMEOUT_S * 1000
SUFFIX = "dev"

_SHOWN = """() => {
  const text = (id) => document.getElementById(id)?.textContent ?? null;
  return {
    state: document.getElementById("state").dataset.state, rto: text("rto-clock"),
    rto_final: document.getElementById("rto-clock").dataset.rtoFinal, served: text("served"),
    verdict: text("verdict"), probes: text("probe-count"), link: text("link"),
    marks: ["mark-outage", "mark-detected", "mark-recovered"].filter(
      (id) => document.getElementById(id) !== null),
    failed_samples: (document.getElementById("probes-failed")?.getAttribute("d") ?? "")
      .split("M").length - 1,
    dr_samples: (document.getElementById("probes-dr")?.getAttribute("d") ?? "")
      .split("M").length - 1,
    steps: [...document.querySelectorAll("#steps tbody tr")].map((r) => r.innerText),
    rpo: [...document.querySelectorAll("#rpo tbody tr")].map((r) => r.dataset.store),
  };
}"""


def _dashboard_url(up: UpProcess) -> str:
    retrying = Retrying(stop=stop_after_delay(TIMEOUT_S), wait=wait_fixed(0.1),
                        retry=retry_if_result(lambda found: found is None))

    def printed() -> str | None:
        if up.process.poll() is not None:
            raise AssertionError(f"drill up exited early:\n{up.output()[-2000:]}")
        found = re.search(r"dashboard (http://127\.0\.0\.1:\d+/)", up.output())
        return found.group(1) if found else None
    return str(retrying(printed))


def _ok(done) -> str:
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def _output(up: UpProcess, stack: str, region: str, key: str) -> str:
    return _ok(up.aws("cloudformation", "describe-stacks", "--stack-name", stack, "--region",
                      region, "--query", f"Stacks[0].Outputs[?OutputKey==`{key}`].OutputValue",
                      "--output", "text"))


def _wait(page, condition: str) -> None:
    page.wait_for_function(f"() => {{ const s = ({_SHOWN})(); return {condition}; }}",
                           timeout=WAIT_MS, polling=100)


def _operate(up: UpProcess, page, shown: dict, screenshot: Path) -> None:
    """Steady state, the outage and the failover, reading the page at each moment."""
    primary, dr = f"streamflix-dr-primary-{SUFFIX}", f"streamflix-dr-secondary-{SUFFIX}"
    _wait(page, "s.state === 'steady'")
    shown["steady"] = page.evaluate(_SHOWN)
    dr_alb = _output(up, dr, "us-east-1", "ALBDNSName")
    zone = _output(up, primary, "eu-west-2", "HostedZoneId")
    check = _output(up, primary, "eu-west-2", "PrimaryHealthCheckId")
    assert up.drill("inject").returncode == 0
    _wait(page, "s.state === 'outage' && s.marks.includes('mark-detected')")
    _ok(up.aws("rds", "promote-read-replica", "--db-instance-identifier",
               f"streamflix-db-replica-{SUFFIX}", "--region", "us-east-1"))
    _ok(up.aws("ecs", "update-service", "--cluster", f"streamflix-cluster-dr-{SUFFIX}",
               "--service", f"streamflix-service-dr-{SUFFIX}", "--desired-count", "2",
               "--region", "us-east-1"))
    _wait(page, "s.steps.some((t) => t.includes('ecs UpdateService'))")
    shown["mid"] = page.evaluate(_SHOWN)  # DNS still points at the lost region: mid-outage
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    shown["screenshot"] = screenshot
    # The health check first: moving the name recovers the app, and with --linger 0 the
    # run (and its endpoint) ends as soon as that is measured.
    _ok(up.aws("route53", "update-health-check", "--health-check-id", check,
               "--fully-qualified-domain-name", dr_alb))
    batch = {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": f"app.{SUFFIX}.streamflix-dr.example.com", "Type": "CNAME", "TTL": 60,
        "ResourceRecords": [{"Value": dr_alb}]}}]}
    _ok(up.aws("route53", "change-resource-record-sets", "--hosted-zone-id", zone,
               "--change-batch", json.dumps(batch)))
    _wait(page, "s.state === 'recovered' && s.rto_final !== ''")
    shown["recovered"] = page.evaluate(_SHOWN)


@pytest.fixture(scope="module")
def shown(tmp_path_factory) -> dict:
    """What the page showed at each moment, the run folder and every URL the page asked."""
    seen: dict = {"requests": []}
    folder = tmp_path_factory.mktemp("dashboard")
    refresh = os.environ.get("DRILL_UPDATE_SCREENSHOTS") == "1"
    screenshot = DOCS_SCREENSHOT if refresh else folder / DOCS_SCREENSHOT.name
    up = UpProcess(folder, *UP_ARGS)
    try:
        with sync_api.sync_playwright() as pw:
            # Anything not on loopback goes to a dead proxy: the page needs no network.
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"],
                                         proxy={"server": "http://127.0.0.1:9",
                                                "bypass": "127.0.0.1"})
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("request", lambda request: seen["requests"].append(request.url))
            page.goto(_dashboard_url(up))
            _operate(up, page, seen, screenshot)
            seen["exit_code"] = up.finish()  # --linger 0: it ends once recovered
            _wait(page, "s.link.startsWith('drill ended')")
            seen["final"] = page.evaluate(_SHOWN)
            browser.close()
    finally:
        up.kill()
        seen["log"], seen["run_dir"] = up.output(), up.run_dir()
    return seen


def _evidence(shown: dict) -> dict:
    return json.loads((shown["run_dir"] / "evidence.json").read_text(encoding="utf-8"))


def test_it_shows_the_steady_state_served_by_the_primary(shown):
    steady = shown["steady"]
    assert "served by eu-west-2" in steady["served"] and steady["marks"] == []
    assert steady["rpo"] == ["database", "efs", "cache"]
    # STEADY once the drill has seen its steady state, not at the first probe (those fail
    # while the service's tasks start): the page holds every probe taken until then.
    run_dir = shown["run_dir"]
    seen_at = next(e["t"] for e in read_events(run_dir / run_folder.JOURNAL)
                   if e["kind"] == "phase.finished" and e["phase"] == "steady-state")
    with (run_dir / run_folder.PROBES).open(encoding="utf-8") as fh:
        until_then = sum(1 for row in csv.DictReader(fh) if float(row["t"]) <= seen_at)
    assert int(steady["probes"].split()[0]) >= until_then, (steady["probes"], until_then)


def test_mid_outage_it_shows_the_loss_the_detection_the_clock_and_the_calls(shown):
    mid = shown["mid"]
    assert mid["state"] == "outage" and mid["marks"] == ["mark-outage", "mark-detected"]
    assert mid["failed_samples"] >= 3 and mid["dr_samples"] == 0  # declared after 3 failures
    assert mid["rto_final"] == "" and re.fullmatch(r"\d+:\d\d\.\d", mid["rto"]), mid["rto"]
    calls = "\n".join(mid["steps"])
    assert "rds PromoteReadReplica" in calls and "ecs UpdateService" in calls
    assert "aws-cli/" in calls and "us-east-1" in calls
    screenshot = shown["screenshot"]
    assert screenshot.stat().st_size > 20_000 and screenshot.read_bytes()[:4] == b"\x89PNG"


def test_it_shows_the_recovery_served_by_dr(shown):
    recovered = shown["recovered"]
    assert "mark-recovered" in recovered["marks"] and recovered["dr_samples"] >= 3
    assert "served by us-east-1" in recovered["served"]


def test_the_final_rto_and_verdict_are_the_evidences(shown):
    assert shown["exit_code"] in (0, 1), shown["log"][-3000:]
    ev, final = _evidence(shown), shown["final"]
    assert abs(float(final["rto_final"]) - ev["rto_seconds"]) < 1e-5
    minutes, seconds = divmod(ev["rto_seconds"], 60)
    assert final["rto"] == f"{int(minutes)}:{seconds:04.1f}", final["rto"]
    assert final["verdict"] == ev["verdict"].upper()


def test_the_page_asked_nothing_but_the_dashboard(shown):
    assert shown["requests"] and all(
        url.startswith("http://127.0.0.1:") for url in shown["requests"]), shown["requests"]

"""``drill run --watch``: the dashboard's event stream follows an unattended drill to its end.

A real ``drill run region-loss --watch`` subprocess; the test reads the address it printed
and subscribes to ``/events`` over real HTTP, as the page does, until the stream says the
drill has ended. What it received must be the run folder's journal, whole and in order,
ending with the verdict evidence.json has.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import requests
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from tests.drillcli import DRILL_TIMEOUT_S, FEATURE, RUN_ARGS, drill_command, drill_env

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill, pytest.mark.region_loss]


def _frames(response: requests.Response) -> list[tuple[str, dict]]:
    """Server-sent events as (event, data), until ``closed``."""
    frames, event = [], None
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("event: "):
            event = line[len("event: "):]
        elif line.startswith("data: ") and event is not None:
            frames.append((event, json.loads(line[len("data: "):])))
            if event == "closed":
                break
    return frames


@pytest.fixture(scope="module")
def watched(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("watch")
    log = base / "out.txt"
    with log.open("wb") as out:
        process = subprocess.Popen(
            drill_command("run", str(FEATURE), "--watch", "--out", str(base / "runs"),
                          *RUN_ARGS), cwd=base, env=drill_env(), stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        retrying = Retrying(stop=stop_after_delay(60), wait=wait_fixed(0.1),
                            retry=retry_if_result(lambda found: found is None))
        url = retrying(lambda: re.search(r"dashboard (http://127\.0\.0\.1:\d+/)",
                                         log.read_text(encoding="utf-8", errors="replace")))
        with requests.get(url.group(1) + "events", stream=True,
                          timeout=DRILL_TIMEOUT_S) as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            frames = _frames(response)
        code = process.wait(timeout=DRILL_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    runs = sorted(p for p in (base / "runs").iterdir() if not p.name.startswith("."))
    return {"frames": frames, "exit_code": code, "run_dir": runs[-1],
            "log": log.read_text(encoding="utf-8", errors="replace")}


def test_the_stream_is_the_run_folders_journal_to_the_verdict(watched):
    assert watched["exit_code"] in (0, 1), watched["log"][-3000:]
    frames, run_dir = watched["frames"], watched["run_dir"]
    assert frames[0] == ("reset", {"run_id": run_dir.name}) and frames[-1][0] == "closed"
    events = [e for kind, data in frames if kind == "update" for e in data["events"]]
    lines = (run_dir / "timeline.jsonl").read_text(encoding="utf-8").splitlines()
    assert [e["seq"] for e in events] == [json.loads(line)["seq"] for line in lines]
    probes = [p for kind, data in frames if kind == "update" for p in data["probes"]]
    with (run_dir / "probes.csv").open(encoding="utf-8") as fh:
        assert len(probes) == sum(1 for _ in fh) - 1  # every sample, header excluded
    evidence = json.loads((run_dir / "evidence.json").read_text(encoding="utf-8"))
    finished = [e for e in events if e["kind"] == "run.finished"]
    assert [e["verdict"] for e in finished] == [evidence["verdict"]]
    measured = next(e for e in events if e["kind"] == "measurement")
    assert abs(measured["rto_seconds"] - evidence["rto_seconds"]) < 1e-5

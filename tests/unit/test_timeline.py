from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from drills.journal.timeline import MASK, Timeline, read_events
from infra.core.clock import FakeClock


def test_events_are_numbered_stamped_and_flushed(tmp_path):
    clock = FakeClock(scale=60)
    path = tmp_path / "timeline.jsonl"
    timeline = Timeline(path, clock)
    timeline.record("phase.started", phase="inject")
    clock.advance(2)
    timeline.record("phase.finished", phase="inject", status="ok")
    # Readable before close: every event is flushed as it is written.
    events = list(read_events(path))
    assert [(e["seq"], e["t"], e["kind"]) for e in events] == [
        (1, 0.0, "phase.started"), (2, 120.0, "phase.finished")]
    assert events[1]["status"] == "ok" and events[1]["wall"].endswith("+00:00")
    timeline.close()


def test_secrets_are_masked_in_every_field(tmp_path):
    path = tmp_path / "timeline.jsonl"
    with Timeline(path, FakeClock(), secrets=["S3cret-Pass!"]) as timeline:
        timeline.record("deploy", detail="password S3cret-Pass! used", nested={"p": "S3cret-Pass!"})
    text = path.read_text()
    assert "S3cret-Pass!" not in text
    assert text.count(MASK) == 2


def test_a_secret_json_escapes_is_masked_too(tmp_path):
    path = tmp_path / "timeline.jsonl"
    secret = "Back\\slash-Pass9"  # the RDS rules allow a backslash; JSON doubles it
    with Timeline(path, FakeClock(), secrets=[secret]) as timeline:
        timeline.record("phase.finished", error=f"CreateStack rejected DBPassword {secret}")
    (event,) = read_events(path)
    assert secret not in event["error"] and MASK in event["error"]


def test_a_torn_last_line_is_skipped(tmp_path):
    path = tmp_path / "timeline.jsonl"
    path.write_text('{"seq": 1, "kind": "a"}\n{"seq": 2, "ki')
    assert [e["seq"] for e in read_events(path)] == [1]


def test_sigkill_midway_leaves_every_line_parseable(tmp_path):
    path = tmp_path / "timeline.jsonl"
    writer = textwrap.dedent(f"""
        from infra.core.clock import Clock
        from drills.journal.timeline import Timeline
        t = Timeline({str(path)!r}, Clock())
        i = 0
        while True:
            i += 1
            t.record("tick", i=i, payload="x" * 200)
    """)
    proc = subprocess.Popen([sys.executable, "-c", writer])
    try:
        def lines() -> int:
            return path.read_text().count("\n") if path.exists() else 0
        Retrying(stop=stop_after_delay(20), wait=wait_fixed(0.05),
                 retry=retry_if_result(lambda n: n < 200), reraise=True)(lines)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    raw = path.read_text().splitlines(keepends=True)
    complete = [line for line in raw if line.endswith("\n")]
    assert len(complete) >= 200
    for line in complete:
        json.loads(line)
    assert [e["i"] for e in read_events(path)] == list(range(1, len(complete) + 1))

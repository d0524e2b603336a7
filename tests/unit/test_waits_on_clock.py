"""Every wait in a drill path goes through the drill's clock (infra.core.clock, virtual_clock).

A ``time.sleep``, a bare ``Event.wait``/``Condition.wait``, a thread's own ``join``, a boto3
waiter or a tenacity poll outside the clock would wait in real time: on the virtual clock
time would not move while it waits (the drill hangs), and on the scaled one it would not be
drill time. This scan fails when one is added; the allowlist names each exception and why.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("drills", "infra", "steps")
CLOCK_MODULES = {"infra/core/clock.py", "infra/core/virtual_clock.py"}

# (file, call as written) -> why it may wait in real time.
ALLOWED = {
    ("infra/retry.py", "client.get_waiter"):
        "run_waiter reads botocore's acceptors; its pauses are the policy's (clock) sleep",
    ("infra/retry.py", "Retrying"):
        "retries of one AWS call; its backoff sleep is the policy's sleep (the drill's clock)",
    ("infra/canary/app.py", "self._ready.wait"):
        "waits for a real HTTP server to bind, before any drill time exists",
    ("infra/canary/app.py", "threading.Thread"):
        "a real HTTP server's thread: it answers requests and never waits on drill time",
    ("infra/canary/__main__.py", "done.wait"):
        "the canary as a process of its own (aws backend), serving until signalled",
    ("infra/core/serving.py", "threading.Thread"):
        "a loopback HTTP server's thread (moto, the proxy, the dashboard): it answers "
        "requests and never waits on drill time",
    ("infra/core/serving.py", "thread.join"):
        "joins a loopback HTTP server's thread after shutdown()",
    ("infra/embedded/moto_server.py", "self._thread.join"):
        "joins moto's server thread after shutdown()",
    ("infra/retry.py", "sleep"):
        "run_waiter's pause between polls: the sleep it is given (the drill's clock)",
    ("drills/measure/probes.py", "self.wait_for"):
        "the prober's own wait_for, which waits on its clock",
    ("drills/rehearsal/session.py", "threading.Event().wait"):
        "drill up only (scaled clock): lingers real seconds for people's last checks",
    ("drills/rehearsal/session.py", "forever.wait"):
        "drill up only (scaled clock): serves until people press Ctrl-C",
    ("drills/app/dashboard.py", "self._stopping.wait"):
        "a dashboard stream's pause between journal reads: a browser's pace, not a drill's",
    ("drills/app/dashboard.py", "self._streams_changed.wait_for"):
        "the dashboard's stop gives open browser streams real seconds to send their last frame",
    ("drills/rehearsal/up_world.py", "tick.wait"):
        "drill up --empty only (scaled clock): people deploy by hand, checked every real second",
    ("drills/app/terminal.py", "thread.join"):
        "the CLI's exit waits for other threads as the interpreter's own exit would",
    ("drills/rehearsal/session.py", "trigger.wait"):
        "drill up only (scaled clock): people press Enter in real time (InjectTrigger)",
}
# Receivers whose wait()/wait_for() wait on the clock themselves: the runbook context and
# retry policy (run_waiter on the clock's sleep), the prober and marker writer.
CLOCK_BACKED = ("ctx", "self.retry", "aws", "patient", "retry", "_probes(drill)")


def _text(node: ast.AST) -> str:
    return ast.unparse(node)


def _waits(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = _text(func)
        if isinstance(func, ast.Attribute):
            receiver = _text(func.value)
            if func.attr in ("wait", "wait_for") and "clock" not in receiver \
                    and receiver not in CLOCK_BACKED \
                    and not receiver.endswith(("prober", "writer")):
                found.append((node.lineno, name))
            elif func.attr == "join" and "thread" in receiver.lower():
                found.append((node.lineno, name))
            elif func.attr == "get_waiter" or name in ("time.sleep", "threading.Thread"):
                found.append((node.lineno, name))
        elif isinstance(func, ast.Name) and func.id in ("Retrying", "sleep", "Thread"):
            found.append((node.lineno, name))
    return found


def _scan() -> list[str]:
    problems = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in CLOCK_MODULES:
                continue
            for line, call in _waits(ast.parse(path.read_text(encoding="utf-8"))):
                if (rel, call) not in ALLOWED:
                    problems.append(f"{rel}:{line}: {call}(...) waits outside the clock")
    return problems


def test_every_wait_in_a_drill_path_goes_through_the_clock():
    assert _scan() == []


def test_the_scan_finds_a_real_time_wait():
    tree = ast.parse("import time\ntime.sleep(1)\nstop.wait(2)\nself._thread.join(3)\n"
                     "clock.wait(stop, 4)\n")
    assert [call for _line, call in _waits(tree)] == ["time.sleep", "stop.wait",
                                                      "self._thread.join"]


def test_every_allowlisted_wait_still_exists():
    present = set()
    for rel, _call in ALLOWED:
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        present |= {(rel, call) for _line, call in _waits(tree)}
    assert set(ALLOWED) <= present

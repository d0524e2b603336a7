"""``drill up`` as people use it: a subprocess serving the stack, and a shell with env.sh sourced.

The tests that rehearse by hand start the real CLI, wait (with deadlines) for the events
that mark a moment, and type the deployment guide's commands with the aws CLI from this
environment, in subprocesses whose environment is exactly what ``source env.sh`` gives.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from tests.drillcli import BackgroundDrill, drill_command, drill_env
from tests.leftovers import listening_ports

__all__ = ["GUIDE", "PROJECT_AWS", "TIMEOUT_S", "UpProcess", "journal", "listening_ports"]

TIMEOUT_S = 180.0
GUIDE = Path(__file__).parent / "guide"  # the guide's commands, as written (shell scripts)
PROJECT_AWS = Path(sys.executable).with_name("aws")  # the pinned aws CLI v1 (dev dependency)


class _NotYet(Exception):
    """The condition polled for has not happened yet."""


def _poll(check: Any, timeout: float = TIMEOUT_S, every: float = 0.05) -> Any:
    return Retrying(stop=stop_after_delay(timeout), wait=wait_fixed(every),
                    retry=retry_if_exception_type(_NotYet), reraise=True)(check)


def journal(run_dir: Path) -> list[dict[str, Any]]:
    """Every event of a finished run's journal."""
    lines = (run_dir / "timeline.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


class UpProcess(BackgroundDrill):
    """``drill up ARGS`` in the background, in a session of its own; output to a file."""

    def __init__(self, base: Path, *args: str, aws_cli: Path = PROJECT_AWS) -> None:
        super().__init__(Path(base), ("up",), args, env=drill_env(), log_name="up.log")
        self.aws_cli = Path(aws_cli)
        self._env: dict[str, str] | None = None

    def wait_for(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Poll the journal until an event of ``kind`` with ``fields`` is there; return it."""

        def check() -> dict[str, Any]:
            for event in self.events():
                if event["kind"] == kind and all(event.get(k) == v for k, v in fields.items()):
                    return event
            if self.process.poll() is not None:
                raise AssertionError(f"drill up exited {self.process.returncode} before "
                                     f"{kind} {fields}:\n{self.output()[-3000:]}")
            raise _NotYet(kind)

        return _poll(check)  # type: ignore[no-any-return]

    def env(self, until: str = "rehearsal.ready") -> dict[str, str]:
        """The environment of a shell that has sourced the run's env.sh (once ``until``)."""
        if self._env is None:
            self.wait_for(until)
            run_dir = self.run_dir()
            assert run_dir is not None
            shell = subprocess.run(["bash", "-c", 'source "$1" && env -0', "-", "env.sh"],
                                   cwd=run_dir, env=drill_env(), capture_output=True,
                                   timeout=30, check=True)
            pairs = (item.split("=", 1) for item in shell.stdout.decode().split("\0") if item)
            # The user's own aws CLI first on their PATH (env.sh leaves PATH alone).
            self._env = {**dict(pairs), "PATH": f"{self.aws_cli.parent}:/usr/bin:/bin"}
        return self._env

    def aws(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``aws ARGS`` typed in that shell, with the user's aws CLI (``aws_cli``)."""
        return subprocess.run(["aws", *args], env=self.env(), capture_output=True, text=True,
                              timeout=120, check=False)

    def shell(self, script: str, cwd: Path | None = None,
              state: Path | None = None) -> subprocess.CompletedProcess[str]:
        """A guide script (``tests/guide/<script>``) typed in that shell, in ``cwd``.

        Variables it exports are kept in ``state`` for the next script, as one shell would.
        """
        state = state or self.log.with_name("shell-state.sh")
        text = (f"set -eo pipefail\n[ -f {str(state)!r} ] && source {str(state)!r}\n"
                f"source {str(GUIDE / script)!r}\nexport -p > {str(state)!r}\n")
        return subprocess.run(["bash", "-c", text], cwd=cwd or self.run_dir(), env=self.env(),
                              capture_output=True, text=True, timeout=TIMEOUT_S * 2,
                              check=False)

    def curl_status(self, url: str) -> int:
        """The HTTP status ``curl URL`` gets in that shell (through env.sh's http_proxy)."""
        done = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                               "--max-time", "10", url], env=self.env(), capture_output=True,
                              text=True, timeout=30, check=False)
        return int(done.stdout or 0)

    def drill(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``drill ARGS`` typed in that shell."""
        return subprocess.run(drill_command(*args), env=self.env(), capture_output=True,
                              text=True, timeout=TIMEOUT_S, check=False)

    def ports(self) -> set[int]:
        """The ports the run served on: moto and proxy (env.sh), canaries (ground truth)."""
        run_dir = self.run_dir()
        text = self.output()
        for name in ("env.sh", "ground_truth.jsonl"):
            if run_dir is not None and (run_dir / name).exists():
                text += (run_dir / name).read_text(encoding="utf-8")
        return {int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)", text)}

    def finish(self, timeout: float = TIMEOUT_S) -> int:
        """Wait for ``drill up`` to exit; its exit code (killed if it outlives the timeout)."""
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        """Kill it (and its session) if it still runs."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=30)

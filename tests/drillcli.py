"""Run ``drill`` as an operator does: a subprocess with its own environment and run folder.

The tests that prove the evidence contract run the real CLI rather than calling the engine,
so what they check is what an operator and an auditor get.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, NamedTuple, cast

from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from drills.journal.runinfo import PROJECT_ROOT

__all__ = ["ATTESTATION_SEED", "DB_PASSWORD", "SIGNING_KEY", "BackgroundDrill", "DrillRun",
           "LaunchedDrill", "SharedDrill", "drill_command", "drill_env",
           "write_attestation_keys"]

# Both satisfy the RDS password rules and need no escaping in JSON, CSV or HTML, so a leak
# shows up as these exact bytes.
DB_PASSWORD = "Kn0wn-Db-Passw0rd-7Qx"
SIGNING_KEY = "kn0wn-signing-key-4Rv9"
# The Ed25519 key the shared drill's attestation is signed with: fixed, so every xdist worker
# writes the same pair, and a leak shows up as these exact bytes.
ATTESTATION_SEED = bytes.fromhex("5eed" * 16)
FEATURE = PROJECT_ROOT / "features" / "region_loss.feature"
# Virtual time (the default): about 6 s of wall time per drill, and the same figures under any
# load (at 300x on the scaled clock a busy host pushed the RPO over its objective).
RUN_ARGS = ("--seed", "7")
DRILL_TIMEOUT_S = 240.0


class DrillRun(NamedTuple):
    """A finished ``drill run``: its run folder, what it printed, and its exit code."""

    run_dir: Path
    stdout: str
    stderr: str
    exit_code: int


def drill_command(*args: str) -> list[str]:
    """The ``drill`` console script of this interpreter's environment, with ``args``."""
    script = Path(sys.executable).with_name("drill")
    return [str(script) if script.exists() else shutil.which("drill") or "drill", *args]


def drill_env(**settings: str) -> dict[str, str]:
    """This process's environment without any DRILL_* setting, plus ``settings``."""
    # A developer's own key, config or Pushgateway must not leak into what a test asserts.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRILL_")}
    return {**env, **settings}


def write_attestation_keys(folder: Path) -> tuple[Path, Path]:
    """Write the fixed test key pair as ``drill keygen`` would: (private PEM, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(ATTESTATION_SEED)
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / "attestation.key", folder / "attestation.key.pub"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    private.chmod(0o600)
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


class BackgroundDrill:
    """``drill COMMAND --out BASE/runs ARGS`` in the background, in a session of its own, its
    output (stdout and stderr) in one log file; its run folder and journal as they grow."""

    def __init__(self, base: Path, command: tuple[str, ...], args: tuple[str, ...], *,
                 env: dict[str, str], log_name: str) -> None:
        self.runs_dir = base / "runs"
        self.log = base / log_name
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                drill_command(*command, "--out", str(self.runs_dir), *args), cwd=base,
                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)

    def run_dir(self) -> Path | None:
        """The run folder, once the drill has made it."""
        found = sorted(p for p in self.runs_dir.glob("[!.]*") if p.is_dir())
        return found[0] if found else None

    def events(self) -> list[dict[str, Any]]:
        """Every complete journal line so far."""
        run_dir = self.run_dir()
        path = run_dir / "timeline.jsonl" if run_dir else None
        if path is None or not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        return [json.loads(line) for line in lines if line.endswith("\n")]

    def output(self) -> str:
        """What it printed."""
        return self.log.read_text(encoding="utf-8", errors="replace")


class _NotYet(Exception):
    """The condition polled for has not happened yet."""


class LaunchedDrill:
    """A ``drill run`` subprocess started in the background; its output goes to files."""

    def __init__(self, base: Path, env: dict[str, str], args: tuple[str, ...] = ()) -> None:
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.runs_dir = self.base / "runs"
        self._stdout = self.base / "stdout.txt"
        self._stderr = self.base / "stderr.txt"
        with self._stdout.open("wb") as out, self._stderr.open("wb") as err:
            self.process = subprocess.Popen(
                drill_command("run", str(FEATURE), "--out", str(self.runs_dir), *RUN_ARGS,
                              *args),
                cwd=self.base, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)

    def run_dir(self) -> Path | None:
        """The run folder, once the drill has created it."""
        # Dot-folders hold the runs folder's bookkeeping, not runs.
        found = sorted(p for p in self.runs_dir.glob("[!.]*") if p.is_dir())
        return found[0] if found else None

    def journal_kinds(self) -> list[str]:
        """The kind of every complete line of the run's journal so far."""
        run_dir = self.run_dir()
        journal = run_dir / "timeline.jsonl" if run_dir else None
        if journal is None or not journal.exists():
            return []
        lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
        # The drill may be halfway through writing the last line.
        return [json.loads(line)["kind"] for line in lines if line.endswith("\n")]

    def wait_for_event(self, kind: str, timeout: float = DRILL_TIMEOUT_S) -> Path:
        """Poll the journal until it holds an event of ``kind``; return the run folder."""

        def check() -> Path:
            if kind in self.journal_kinds():
                return cast(Path, self.run_dir())
            if self.process.poll() is not None:
                raise AssertionError(f"drill exited {self.process.returncode} before {kind!r}")
            raise _NotYet(kind)

        retrying = Retrying(stop=stop_after_delay(timeout), wait=wait_fixed(0.05),
                            retry=retry_if_exception_type(_NotYet), reraise=True)
        return retrying(check)

    def wait(self, timeout: float = DRILL_TIMEOUT_S) -> DrillRun:
        """Wait for the drill to exit and return what it left."""
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            self.stop()
        stdout = self._stdout.read_text(encoding="utf-8", errors="replace")
        stderr = self._stderr.read_text(encoding="utf-8", errors="replace")
        run_dir = self.run_dir()
        assert run_dir is not None, f"drill exited {code} without a run folder:\n{stderr[-3000:]}"
        return DrillRun(run_dir, stdout, stderr, code)

    def stop(self) -> None:
        """Kill the drill if it is still running."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def __enter__(self) -> LaunchedDrill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SharedDrill:
    """One ``drill run`` for every pytest-xdist worker of a session, started by whoever asks first.

    The first worker to create ``base`` launches the drill and, once it exits, copies its run
    folder to ``sealed/`` and writes ``exit_code``; the other workers wait for that file.
    """

    def __init__(self, base: Path, env: dict[str, str], args: tuple[str, ...] = ()) -> None:
        self.base = Path(base)
        self.base.parent.mkdir(parents=True, exist_ok=True)
        self._launched: LaunchedDrill | None = None
        self._finisher: threading.Thread | None = None
        try:
            self.base.mkdir()  # atomic: exactly one worker owns the drill
        except FileExistsError:
            return
        self._launched = LaunchedDrill(self.base, env, args)
        self._finisher = threading.Thread(target=self._finish, name="shared-drill", daemon=True)
        self._finisher.start()

    def _finish(self) -> None:
        launched = cast(LaunchedDrill, self._launched)
        try:
            code = launched.process.wait(timeout=DRILL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            launched.stop()
            code = launched.process.returncode
        run_dir = launched.run_dir()
        if run_dir is not None:
            # Tests add files to the run folder (a screenshot); keep a copy as it was sealed.
            shutil.copytree(run_dir, self.base / "sealed" / run_dir.name)
        (self.base / "exit_code.tmp").write_text(str(code), encoding="ascii")
        (self.base / "exit_code.tmp").replace(self.base / "exit_code")

    def _exit_code(self) -> int:
        path = self.base / "exit_code"
        if not path.exists():
            raise _NotYet("exit_code")
        return int(path.read_text(encoding="ascii"))

    def wait(self, timeout: float = DRILL_TIMEOUT_S) -> DrillRun:
        """Wait (with a deadline) until the drill has exited and been copied; what it left."""
        retrying = Retrying(stop=stop_after_delay(timeout), wait=wait_fixed(0.05),
                            retry=retry_if_exception_type(_NotYet), reraise=True)
        code = retrying(self._exit_code)
        stdout = (self.base / "stdout.txt").read_text(encoding="utf-8", errors="replace")
        stderr = (self.base / "stderr.txt").read_text(encoding="utf-8", errors="replace")
        found = sorted(p for p in (self.base / "runs").glob("[!.]*") if p.is_dir())
        assert found, f"drill exited {code} without a run folder:\n{stderr[-3000:]}"
        return DrillRun(found[0], stdout, stderr, code)

    def sealed(self, run: DrillRun) -> Path:
        """The copy of ``run``'s folder exactly as ``drill run`` sealed it."""
        return self.base / "sealed" / run.run_dir.name

    def __enter__(self) -> SharedDrill:
        return self

    def __exit__(self, *exc: object) -> None:
        # The owner's session may end first: let the drill finish for the other workers.
        if self._finisher is not None:
            self._finisher.join(DRILL_TIMEOUT_S)
        if self._launched is not None:
            self._launched.stop()

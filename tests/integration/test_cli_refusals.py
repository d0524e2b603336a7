"""Bad input and refused targets through the real ``drill`` entry point, in subprocesses.

Each case must end with one line on stderr (``drill: error:`` exit 2, ``drill: refused:``
exit 3), no traceback, no new run folder, and an earlier run's folder byte for byte as it
was. Every case stops before a drill starts, so they all run at once, in parallel.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from drills.journal.runinfo import PROJECT_ROOT
from tests.drillcli import drill_command, drill_env

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first

FEATURE = (PROJECT_ROOT / "features" / "region_loss.feature").read_text(encoding="utf-8")
EARLIER_RUN = "20260101T000000Z-primary-region-lost-rto-under-15-minutes-0a1b2c"
EARLIER_FILES = {
    "timeline.jsonl": '{"seq": 1, "t": 0.0, "kind": "run.started"}\n',
    "evidence.json": '{"schema_version": "1.0", "verdict": "passed"}\n',
    "probes.csv": "seq,t,wall,region,status,ok,latency_ms,error\n",
    "MANIFEST.sha256": "0" * 64 + "  evidence.json\n",
}
AWS_ONLY = 'allowed_accounts = ["111122223333"]\n'
MOTO_ACCOUNT = 'allowed_accounts = ["123456789012"]\n'


@dataclass(frozen=True)
class Case:
    """One refusal: the command (run in a folder holding ``files``) and what it must say."""

    args: tuple[str, ...]
    expected: str
    exit_code: int = 2
    files: dict[str, str] = field(default_factory=dict)
    no_credentials: bool = False
    aws_endpoint: bool = False  # the aws backend's calls go to the test's moto server
    raw_files: dict[str, bytes] = field(default_factory=dict)  # e.g. not UTF-8
    dirs: tuple[str, ...] = ()


RUN = ("run", "drill.feature", "--out", "runs")


def _with_config(toml: str, expected: str, exit_code: int = 2,
                 others: dict[str, str] | None = None) -> Case:
    """``drill --config drill.toml run drill.feature`` with this drill.toml (and ``others``)."""
    return Case(("--config", "drill.toml", *RUN), expected, exit_code,
                files={"drill.toml": toml, **(others or {})})


def _with_feature(old: str, new: str, expected: str) -> Case:
    """``drill run drill.feature`` on the region-loss feature with ``old`` written ``new``."""
    return Case(RUN, expected, files={"drill.feature": FEATURE.replace(old, new)})


CASES = {
    "missing-config": Case(("--config", "missing.toml", "run", "drill.feature", "--out", "runs"),
                           "config file 'missing.toml' does not exist"),
    "bad-toml": _with_config("time_scale = [\n", "is not valid TOML"),
    "unknown-key": _with_config("time_scal = 120\n", "time_scal: Extra inputs are not permitted"),
    "wrong-type": _with_config('time_scale = "fast"\n',
                               "time_scale: Input should be a valid number"),
    "unknown-feature-path": Case(("run", "features/no_such.feature", "--out", "runs"),
                                 "feature file 'features/no_such.feature' does not exist"),
    "unknown-scenario-name": Case(("run", "moon-loss", "--out", "runs"),
                                  "feature file 'moon-loss' does not exist"),
    "feature-without-scenario": Case(("run", "drill.feature", "--out", "runs"), "has no scenario",
                                     files={"drill.feature": "Feature: Region loss\n"}),
    "unknown-step": _with_feature(
        "runs the failover runbook", "improvises",
        "drill.feature:13: no step definition matches And 'the on-call team improvises'"),
    "bad-gherkin": Case(("run", "drill.feature", "--out", "runs"), "is not valid Gherkin: line 5",
                        files={"drill.feature": "Feature: x\n  Scenario: y\n    Given a\n"
                                                "  | a |\n  | b | c |\n"}),
    "unknown-region-in-config": _with_config(
        'primary_region = "eu-west-9"\n', "primary_region: 'eu-west-9' is not an AWS region"),
    "unknown-latency-name": Case(
        ("run", "drill.feature", "--out", "runs", "--latency", "rds_promot=60"),
        "latency: unknown latency name(s) ['rds_promot']"),
    "scenario-region-differs": _with_feature(
        "with eu-west-2 as primary", "with eu-west-1 as primary",
        "the scenario names 'eu-west-1' as the primary region but the configuration says "
        "'eu-west-2'"),
    "stack-does-not-exist": Case(
        ("teardown", "--endpoint-url", "{moto}", "--env", "neverdeployed"),
        "nothing to tear down at {moto}: neither stack 'streamflix-dr-primary-neverdeployed'"),
    "no-credentials": Case(("--config", "drill.toml", "plan", "drill.feature", "--backend", "aws"),
                           "no AWS credentials", files={"drill.toml": AWS_ONLY},
                           no_credentials=True),
    "aws-backend-deploy": Case(
        ("--config", "drill.toml", "deploy", "--backend", "aws"),
        "not available on the aws backend in this version", files={"drill.toml": AWS_ONLY}),
    "aws-run-no-credentials": Case(
        ("--config", "drill.toml", "run", "drill.feature", "--backend", "aws", "--out", "runs"),
        "no AWS credentials", files={"drill.toml": AWS_ONLY}, no_credentials=True),
    "aws-run-account-not-allowlisted": Case(
        ("--config", "drill.toml", "run", "drill.feature", "--backend", "aws", "--out", "runs"),
        "account '123456789012' is not in allowed_accounts ['111122223333']", exit_code=3,
        files={"drill.toml": AWS_ONLY}, aws_endpoint=True),
    "aws-run-stack-does-not-exist": Case(
        ("--config", "drill.toml", "run", "drill.feature", "--backend", "aws", "--out", "runs"),
        "stack 'streamflix-dr-primary-neverdeployed' does not exist in eu-west-2",
        files={"drill.toml": MOTO_ACCOUNT + 'environment_suffix = "neverdeployed"\n'},
        aws_endpoint=True),
    "account-not-allowlisted": _with_config(
        AWS_ONLY, "account '123456789012' (the embedded backend's) is not in allowed_accounts "
        "['111122223333']", exit_code=3),
    "out-under-a-file": Case(("run", "drill.feature", "--out", "notes.txt/runs"),
                             "cannot write run folders to 'notes.txt/runs': Not a directory",
                             files={"notes.txt": "a regular file\n"}),
    "out-under-proc": Case(("run", "drill.feature", "--out", "/proc/drill-runs"),
                           "cannot write run folders to '/proc/drill-runs'"),
    "up-countdown-without-scenario": Case(("up", "--inject-after", "5", "--out", "runs"),
                                          "--inject-after needs --scenario region-loss"),
    "inject-without-drill-up": Case(("inject", "--runs", "runs"),
                                    "no `drill up` is running under 'runs'"),
    "feature-not-utf8": Case(("run", "latin1.feature", "--out", "runs"),
                             "feature file 'latin1.feature' is not UTF-8 text",
                             raw_files={"latin1.feature": FEATURE.replace(
                                 "When the primary", "When the pr\xefmary").encode("latin-1")}),
    "feature-is-a-directory": Case(("run", "folder.feature", "--out", "runs"),
                                   "'folder.feature' is a directory, not a feature file",
                                   dirs=("folder.feature",)),
    "config-not-utf8": Case(("--config", "drill.toml", "run", "drill.feature", "--out", "runs"),
                            "config file 'drill.toml' is not UTF-8 text",
                            raw_files={"drill.toml": b'operator = "J\xf6rg"\n'}),
    "latency-inf": Case(("run", "drill.feature", "--out", "runs", "--latency",
                         "rds_promote=inf"),
                        "latency.rds_promote: Input should be a finite number (got inf)"),
    "latency-nan": Case(("run", "drill.feature", "--out", "runs", "--latency",
                         "route53_propagation=nan"),
                        "latency.route53_propagation: Input should be a finite number"),
    "time-scale-inf": Case(("run", "drill.feature", "--out", "runs", "--time-scale", "inf"),
                           "time_scale: Input should be a finite number"),
    "config-nan-objective": _with_config(
        "rto_objective_s = nan\n", "rto_objective_s: Input should be a finite number (got nan)"),
    "config-inf-duration": _with_config(
        "step_timeout_s = inf\n", "step_timeout_s: Input should be a finite number (got inf)"),
    "config-rto-unreachable": _with_config(
        "rto_objective_s = 25\n", "an RTO objective of 25 s cannot be met by construction"),
    "scenario-rto-inf": _with_feature(
        "RTO of 900 seconds", "RTO of inf seconds",
        "the scenario's RTO objective must be a finite number of seconds > 0, got inf"),
    "scenario-rpo-nan": _with_feature(
        "RPO of 5 seconds", "RPO of nan seconds",
        "the scenario's RPO objective must be a finite number of seconds >= 0, got nan"),
    "scenario-rto-unreachable": _with_feature(
        "RTO of 900 seconds", "RTO of 10 seconds",
        "scenario: an RTO objective of 10 s cannot be met by construction"),
    "scenario-promotion-inf": _with_feature(
        "    And the StreamFlix warm standby",
        "    And the replica promotion takes inf seconds\n    And the StreamFlix warm standby",
        "latency.rds_promote: Input should be a finite number"),
    "signing-key-file-missing": _with_config(
        'signing_key_file = "no-such.key"\n',
        "signing_key_file: signing key file 'no-such.key' does not exist"),
    "signing-key-file-not-a-key": _with_config(
        'signing_key_file = "notes.txt"\n',
        "signing key file 'notes.txt' is not an unencrypted PEM private key",
        others={"notes.txt": "hello\n"}),
    "up-linger-inf": Case(("up", "--linger", "inf", "--out", "runs"),
                          "--linger takes a finite number of real seconds >= 0, got inf"),
    "abort-timeout-nan": Case(("abort", "--runs", "runs", "--timeout", "nan"),
                              "--timeout takes a finite number of real seconds >= 0, got nan"),
}


@dataclass(frozen=True)
class Outcome:
    """What a case's command did, and the runs folder before and after."""

    result: subprocess.CompletedProcess[str]
    expected: str
    before: dict[str, bytes]
    after: dict[str, bytes]


def _snapshot(runs: Path) -> dict[str, bytes]:
    # Folders map to b"" so a new (even empty) run folder shows up too.
    return {str(p.relative_to(runs)): b"" if p.is_dir() else p.read_bytes()
            for p in sorted(runs.rglob("*"))}


def _env(case: Case, folder: Path, moto: str) -> dict[str, str]:
    env = drill_env()
    if case.aws_endpoint:  # boto3 honours AWS_ENDPOINT_URL, as the aws CLI does
        env.update(AWS_ENDPOINT_URL=moto, AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="eu-west-2")
    if case.no_credentials:
        # Nothing botocore could find: no variables, empty files, no instance metadata.
        empty = folder / "empty-aws-file"
        empty.write_text("", encoding="utf-8")
        env = {k: v for k, v in env.items() if not k.startswith("AWS_")}
        env.update(AWS_CONFIG_FILE=str(empty), AWS_SHARED_CREDENTIALS_FILE=str(empty),
                   AWS_EC2_METADATA_DISABLED="true")
    return env


def _prepare(case: Case, folder: Path) -> None:
    folder.mkdir()
    (folder / "drill.feature").write_text(FEATURE, encoding="utf-8")
    for name, text in case.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, data in case.raw_files.items():
        (folder / name).write_bytes(data)
    for name in case.dirs:
        (folder / name).mkdir()
    earlier = folder / "runs" / EARLIER_RUN
    earlier.mkdir(parents=True)
    for name, text in EARLIER_FILES.items():
        (earlier / name).write_text(text, encoding="utf-8")


def _run(case: Case, folder: Path, moto: str) -> Outcome:
    _prepare(case, folder)
    before = _snapshot(folder / "runs")
    args = [a.replace("{moto}", moto) for a in case.args]
    result = subprocess.run(drill_command(*args), cwd=folder, env=_env(case, folder, moto),
                            capture_output=True, text=True, timeout=120, check=False,
                            stdin=subprocess.DEVNULL)
    return Outcome(result, case.expected.replace("{moto}", moto), before,
                   _snapshot(folder / "runs"))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, moto_server) -> dict[str, Outcome]:
    """Every case, run at once (each is a short-lived process that mostly imports)."""
    base = tmp_path_factory.mktemp("refusals")
    workers = max(2, min(6, 2 * (os.cpu_count() or 1)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(_run, case, base / name, moto_server.endpoint_url)
                   for name, case in CASES.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_refused_with_one_line_and_nothing_touched(outcomes, name):
    outcome, case = outcomes[name], CASES[name]
    result = outcome.result
    shown = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == case.exit_code, shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    assert "INTERNALERROR" not in result.stdout + result.stderr, shown
    label = "drill: refused:" if case.exit_code == 3 else "drill: error:"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(label), shown
    assert outcome.expected in lines[0], shown
    assert outcome.after == outcome.before, "the runs folder changed"

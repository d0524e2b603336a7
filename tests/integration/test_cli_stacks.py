"""`drill deploy` and `drill teardown` through the real `drill` entry point, in subprocesses.

Bad input must stop before the first request: those tests point --endpoint-url at a loopback
HTTP server that counts every connection it accepts, and expect zero.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.drillcli import DB_PASSWORD, drill_command, drill_env

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first

REGIONS = ("eu-west-2", "us-east-1")


class _CountingServer(ThreadingHTTPServer):
    """Accepts connections on loopback and counts them; every request gets a 500."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Answer500)
        self.connections = 0
        self._lock = threading.Lock()

    def verify_request(self, request: Any, client_address: Any) -> bool:
        # Counted per accepted connection, so even a request that never completes counts.
        with self._lock:
            self.connections += 1
        return True

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Answer500(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def counting_endpoint() -> Iterator[_CountingServer]:
    with _counting() as server:
        yield server


@contextlib.contextmanager
def _counting() -> Iterator[_CountingServer]:
    server = _CountingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module", autouse=True)
def throwaway_deploy() -> Iterator[subprocess.Popen[str]]:
    """`drill deploy --env scratch` without an endpoint, started as the module begins."""
    # It starts an embedded AWS of its own and shares nothing with the other tests, so it
    # runs alongside them instead of after them.
    # No password given: the throwaway server the command starts itself may use a random one.
    process = subprocess.Popen(drill_command("deploy", "--env", "scratch"), env=drill_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)
    try:
        yield process
    finally:
        if process.returncode is None:  # the test did not collect it
            process.kill()
            process.communicate(timeout=30)


def _drill(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = drill_env(**({"DRILL_DB_PASSWORD": password} if password is not None else {}))
    return subprocess.run(drill_command(*args), capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def _bad_config(tmp_path: Path) -> str:
    path = tmp_path / "drill.toml"
    path.write_text('environment_suffix = "qa"\ntime_scale = [\n', encoding="utf-8")
    return str(path)


# (global args, command args, password given, what the message must name)
BAD_INPUT = {
    "empty-suffix": (lambda _t: [], ["--env", ""], True, "environment_suffix"),
    "unknown-region": (lambda _t: [], ["--dr-region", "us-central-9"], True,
                       "'us-central-9' is not an AWS region"),
    "malformed-config": (lambda t: ["--config", _bad_config(t)], [], True, "is not valid TOML"),
    "nonexistent-config": (lambda t: ["--config", str(t / "missing.toml")], [], True,
                           "does not exist"),
    "aws-backend": (lambda _t: [], ["--backend", "aws"], True, "aws backend"),
    "bad-password": (lambda _t: [], [], "short", "db_password"),
    # deploy only: a deployment that outlives the command needs the operator's password.
    "missing-password": (lambda _t: [], [], None, "DRILL_DB_PASSWORD"),
}


def _assert_one_paragraph_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("drill: error:"), result.stderr
    assert expected in result.stderr, result.stderr


# Every case against deploy; teardown shares the same loading code, so two cases suffice.
CASES = [("deploy", case) for case in BAD_INPUT] + [
    ("teardown", "empty-suffix"), ("teardown", "malformed-config")]


def _bad_input_run(command: str, case: str, folder: Path) -> tuple[Any, int]:
    global_args, args, password, _expected = BAD_INPUT[case]
    with _counting() as endpoint:
        result = _drill(*global_args(folder), command, "--endpoint-url", endpoint.url, *args,
                        password=DB_PASSWORD if password is True else password)
        return result, endpoint.connections


@pytest.fixture(scope="module")
def bad_input_runs(tmp_path_factory) -> dict[tuple[str, str], tuple[Any, int]]:
    """Every bad-input case at once, each against a counting endpoint of its own."""
    # Each is a short-lived process that mostly imports: they need not queue.
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {(command, case): pool.submit(_bad_input_run, command, case,
                                                tmp_path_factory.mktemp(f"{command}-{case}"))
                   for command, case in CASES}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize(("command", "case"), CASES, ids=[f"{c}-{k}" for c, k in CASES])
def test_bad_input_stops_before_any_request(bad_input_runs, command, case):
    result, connections = bad_input_runs[command, case]
    _assert_one_paragraph_error(result, BAD_INPUT[case][3])
    assert connections == 0, f"{connections} connections"


@pytest.mark.parametrize("endpoint", ["127.0.0.1:5000", "http://127.0.0.1:99999"],
                         ids=["no-scheme", "port-out-of-range"])
def test_malformed_endpoint_url_is_bad_input(endpoint):
    result = _drill("deploy", "--endpoint-url", endpoint, password=DB_PASSWORD)
    _assert_one_paragraph_error(result, "--endpoint-url must be an http:// or https:// URL")


def test_the_counting_endpoint_sees_a_command_with_good_input(counting_endpoint):
    # The control for the zero counts above: valid input does reach the endpoint, whose
    # 500 answers make the target guard refuse (exit 3) before anything is changed.
    result = _drill("teardown", "--endpoint-url", counting_endpoint.url)
    assert counting_endpoint.connections >= 1
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


def test_an_endpoint_that_does_not_answer_is_bad_input():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = _drill("teardown", "--endpoint-url", url)
    _assert_one_paragraph_error(result, f"the AWS endpoint {url} did not answer")


def test_teardown_without_an_endpoint_has_nothing_to_tear_down():
    result = _drill("teardown")
    _assert_one_paragraph_error(result, "pass --endpoint-url")


def _boto(service: str, region: str, url: str) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _live_services(ecs: Any, cluster: str) -> int:
    # A deleted service is INACTIVE: AWS keeps it visible to DescribeServices for a while
    # (and moto's ListServices still lists it), but it runs nothing and costs nothing.
    arns = ecs.list_services(cluster=cluster)["serviceArns"]
    found = ecs.describe_services(cluster=cluster, services=arns)["services"] if arns else []
    return sum(svc["status"] != "INACTIVE" for svc in found)


def _remaining(url: str) -> dict[str, int]:
    """How many stacks, databases, file systems, replications and services both regions hold."""
    counts = dict.fromkeys(("stacks", "db_instances", "file_systems", "ecs_services"), 0)
    # A replication is listed in its source's region and its destination's: count it once.
    replications = set()
    for region in REGIONS:
        cf, ecs = _boto("cloudformation", region, url), _boto("ecs", region, url)
        efs = _boto("efs", region, url)
        counts["stacks"] += sum(s["StackStatus"] != "DELETE_COMPLETE"
                                for s in cf.describe_stacks()["Stacks"])
        counts["db_instances"] += len(
            _boto("rds", region, url).describe_db_instances()["DBInstances"])
        counts["file_systems"] += len(efs.describe_file_systems()["FileSystems"])
        replications |= {(r["SourceFileSystemId"], d["FileSystemId"]) for r in
                         efs.describe_replication_configurations()["Replications"]
                         for d in r["Destinations"]}
        counts["ecs_services"] += sum(_live_services(ecs, arn)
                                      for arn in ecs.list_clusters()["clusterArns"])
    return {**counts, "replications": len(replications)}


def test_deploy_twice_then_teardown_leaves_nothing(aws, tmp_path):
    url = aws.endpoint_url
    config = tmp_path / "drill.toml"
    config.write_text(f'db_password = "{DB_PASSWORD}"\n', encoding="utf-8")
    target = ("--env", "clitest", "--endpoint-url", url)
    first = _drill("deploy", *target, password=DB_PASSWORD)
    # The second deploy takes the password from the config file instead of the environment.
    second = _drill("--config", str(config), "deploy", *target)
    deployed = _remaining(url)
    down = _drill("teardown", *target)
    runs = {"first deploy": first, "second deploy": second, "teardown": down}
    for name, run in runs.items():
        assert run.returncode == 0, f"{name}: exit {run.returncode}\n{run.stdout}{run.stderr}"
        assert DB_PASSWORD not in run.stdout + run.stderr, f"{name} printed the password"
    assert "created: streamflix-dr-primary-clitest, streamflix-dr-secondary-clitest" in first.stdout
    assert "RDSInstanceId" in first.stdout and "streamflix-db-clitest" in first.stdout
    assert "created nothing" in second.stdout, second.stdout
    assert deployed == {"stacks": 2, "db_instances": 2, "file_systems": 2, "replications": 1,
                        "ecs_services": 2}
    order = [down.stdout.find(f"deleting {what}") for what in (
        "EFS replication", "stack streamflix-dr-secondary-clitest",
        "stack streamflix-dr-primary-clitest")]
    assert -1 not in order and order == sorted(order), down.stdout
    for region in REGIONS:
        assert f"left in {region}: nothing" in down.stdout, down.stdout
    assert _remaining(url) == dict.fromkeys(deployed, 0)


def test_deploy_without_an_endpoint_uses_a_throwaway_embedded_aws(throwaway_deploy):
    out, err = throwaway_deploy.communicate(timeout=120)
    assert throwaway_deploy.returncode == 0, out + err
    for expected in ("embedded AWS started on http://127.0.0.1:", "deployment verified",
                     "embedded AWS stopped", "primary stack streamflix-dr-primary-scratch",
                     "DR stack streamflix-dr-secondary-scratch", "RDSReplicaInstanceId",
                     "resources are gone"):
        assert expected in out, f"{expected!r} missing from:\n{out}"
    assert "Outputs(" not in out, "outputs printed as a dataclass repr"

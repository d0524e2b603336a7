"""What a shell needs to reach ``drill up``'s world, and the world's edge while people use it.

:func:`serving` starts, for as long as people work: the proxy (http:// for the stack's DNS
names, https:// for every AWS name, TLS ended with the world's own certificate authority),
the operator journal, and the files env.sh points at: ``aws-ca.pem`` (the authority, for
``AWS_CA_BUNDLE``), ``aws-config`` (a profile-free config, so no profile of the user's
applies), ``aws-models/`` (service models newer than an old CLI's, ``AWS_DATA_PATH``) and
``lib/`` (the guide's two templates, for ``--template-body file://lib/...``).
The database password env.sh exports is the run's generated one, read from a private
temporary file that is removed when the world stops: it is never written to the run folder.

env.sh leaves ``PATH`` alone: the aws CLI, ``python`` and ``pip`` are the user's own. Any
aws CLI works: v1 and v2 from 2.13 use ``AWS_ENDPOINT_URL``; an older v2 (Debian's 2.9),
and v1's RDS calls in us-east-1 (which it pins to ``rds.amazonaws.com``), go to the AWS
name through ``https_proxy`` and land on the embedded endpoint all the same.
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drills.rehearsal.operator import OperatorJournal
from drills.safety.interrupts import held_signals
from infra.aws import TEST_CREDENTIALS
from infra.core.errors import ConfigError, DeployError

if TYPE_CHECKING:
    from drills.run.engine import Drill
    from infra.deploy import Deployment

__all__ = ["AWS_CA_FILE", "AWS_CONFIG_FILE", "AWS_MODELS_DIR", "ENV_FILE", "GUIDE_TEMPLATES",
           "UpReady", "await_people_deploy", "env_script", "serving"]

ENV_FILE = "env.sh"
AWS_CONFIG_FILE = "aws-config"
AWS_CA_FILE = "aws-ca.pem"
AWS_MODELS_DIR = "aws-models"
# Service models an older aws CLI lacks the guide's parameters in: Debian's v2 (2.9) knows
# no ``FileSystemId`` in ``create-replication-configuration --destinations`` (step 5), which
# EFS takes since replication to an existing file system
# (https://docs.aws.amazon.com/efs/latest/ug/API_DestinationToCreate.html). Every aws CLI
# and SDK reads models from AWS_DATA_PATH before its own, as ``aws configure add-model``
# (https://docs.aws.amazon.com/cli/latest/reference/configure/add-model.html) relies on.
_NEWER_MODELS = (("efs", "2015-02-01"),)
GUIDE_TEMPLATES = ("streamflix-dr-primary.yaml", "streamflix-dr-secondary.yaml")
_POLL_REAL_S = 1.0  # how often to look whether people have deployed (real seconds)
_STEP_S = 0.2  # real seconds between checks for signals while waiting on people


@dataclass(frozen=True, slots=True)
class UpReady:
    """What people need: where to point their shell, and what is deployed (None: nothing)."""

    run_dir: Path
    env_file: Path
    endpoint_url: str
    proxy_url: str
    app_dns_name: str | None
    primary_alb: str | None
    dr_alb: str | None
    scenario: str | None
    time_scale: float
    secret_file: Path | None = None  # the DB password env.sh exports (outside the run folder)


def _drill_script() -> str | None:
    script = Path(sys.executable).with_name("drill")
    return str(script) if script.exists() else None


def env_script(ready: UpReady, settings: Any) -> str:
    """The text of ``env.sh``: any aws CLI, boto3 and curl pointed at the embedded world."""
    q, run = shlex.quote, ready.run_dir
    lines = [
        f"# drill up: {run.name}. Load it in your shell with: source {ready.env_file}",
        f"export AWS_ENDPOINT_URL={q(ready.endpoint_url)}",
        f"export AWS_ACCESS_KEY_ID={q(TEST_CREDENTIALS['aws_access_key_id'])}",
        f"export AWS_SECRET_ACCESS_KEY={q(TEST_CREDENTIALS['aws_secret_access_key'])}",
        "unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE",
        f"export AWS_CONFIG_FILE={q(str(run / AWS_CONFIG_FILE))}",
        # An aws CLI that does not use AWS_ENDPOINT_URL asks the AWS name: the proxy answers
        # it, with a certificate only this bundle trusts (a real AWS endpoint fails it).
        f"export AWS_CA_BUNDLE={q(str(run / AWS_CA_FILE))}",
        f"export AWS_DATA_PATH={q(str(run / AWS_MODELS_DIR))}",
        f"export AWS_DEFAULT_REGION={q(settings.primary_region)}",
        "export AWS_PAGER=''",
        # curl reads only the lower-case names; no_proxy keeps AWS_ENDPOINT_URL direct.
        f"export http_proxy={q(ready.proxy_url)} HTTP_PROXY={q(ready.proxy_url)}",
        f"export https_proxy={q(ready.proxy_url)} HTTPS_PROXY={q(ready.proxy_url)}",
        "export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost",
        f"export ENVIRONMENT_SUFFIX={q(settings.environment_suffix)}",
        f"export DB_USERNAME={q(settings.db_username)}",
        f"export DRILL_RUN={q(str(run))}",
    ]
    if ready.secret_file is not None:
        lines.append(f"export DB_PASSWORD=\"$(cat {q(str(ready.secret_file))})\"")
    script = _drill_script()
    if script is not None:  # `drill inject` / `drill down`, without touching PATH
        lines.append(f"command -v drill >/dev/null || drill() {{ {q(script)} \"$@\"; }}")
    return "\n".join(lines) + "\n"


def _write_models(folder: Path) -> None:
    """The project's botocore models of ``_NEWER_MODELS``, uncompressed (older CLIs read
    only ``.json``)."""
    import gzip

    import botocore

    data = Path(botocore.__file__).parent / "data"
    for service, version in _NEWER_MODELS:
        source, target = data / service / version, folder / service / version
        target.mkdir(parents=True, exist_ok=True)
        packed = source / "service-2.json.gz"
        body = gzip.decompress(packed.read_bytes()) if packed.is_file() else (
            source / "service-2.json").read_bytes()
        (target / "service-2.json").write_bytes(body)


def _write_files(run_dir: Path, settings: Any, ca: Any) -> None:
    from infra.deploy import TEMPLATES

    _write_models(run_dir / AWS_MODELS_DIR)
    (run_dir / AWS_CA_FILE).write_bytes(ca.cert_pem)
    (run_dir / AWS_CONFIG_FILE).write_text(
        f"[default]\nregion = {settings.primary_region}\n", encoding="utf-8")
    lib = run_dir / "lib"
    lib.mkdir(exist_ok=True)
    for name in GUIDE_TEMPLATES:
        shutil.copyfile(TEMPLATES / name, lib / name)


@contextlib.contextmanager
def serving(drill: Drill, scenario: str | None,
            progress: Callable[[str], None]) -> Iterator[tuple[OperatorJournal, UpReady]]:
    """Proxy, operator journal, env.sh and its files, for as long as people use the world."""
    from drills.run.backends import EmbeddedBackend
    from infra.embedded.moto_ext import api_calls
    from infra.embedded.proxy import AppProxy
    from infra.embedded.world_ca import WorldCA

    backend, s = drill.backend, drill.settings
    # drill up runs on the embedded backend only (the CLI refuses the aws one)
    assert isinstance(backend, EmbeddedBackend) and backend.moto is not None
    journal = OperatorJournal(drill.timeline, drill.clock,
                              lost_regions=lambda: backend.clients.lost_regions,
                              progress=progress)
    ca, private = WorldCA(), Path(tempfile.mkdtemp(prefix="drill-up-"))
    proxy = AppProxy(backend.resolve, on_request=journal.http,
                     aws_endpoint=backend.moto.endpoint_url, ca=ca).start()
    try:
        api_calls.observe(journal)
        run_dir = drill.run_dir.resolve()
        secret = private / "db-password"
        secret.write_text(s.db_password.get_secret_value(), encoding="utf-8")
        secret.chmod(0o600)
        _write_files(run_dir, s, ca)
        ready = UpReady(run_dir, run_dir / ENV_FILE, backend.moto.endpoint_url, proxy.url,
                        None, None, None, scenario, s.time_scale, secret)
        ready.env_file.write_text(env_script(ready, s), encoding="utf-8")
        drill.timeline.record("rehearsal.serving", env_file=str(ready.env_file),
                              endpoint_url=ready.endpoint_url, proxy_url=ready.proxy_url)
        yield journal, ready
    finally:
        with held_signals():  # a second Ctrl-C must not leave the proxy listening
            api_calls.unobserve(journal)
            proxy.stop()
            ca.close()
            shutil.rmtree(private, ignore_errors=True)


def _replicating(drill: Drill, deployment: Deployment) -> bool:
    from infra.deploy_common import AwsCalls, optional

    aws, s = AwsCalls(drill.settings, drill.backend.clients, None, None), drill.settings
    found = optional(aws, "efs", s.primary_region, "describe_replication_configurations",
                     "Replications", FileSystemId=deployment.primary.EFSFileSystemId)
    return any(d["FileSystemId"] == deployment.dr.EFSFileSystemId
               for r in found for d in r["Destinations"])


def _deployment_or_why(drill: Drill) -> tuple[Deployment | None, str]:
    from botocore.exceptions import BotoCoreError, ClientError

    from infra.deploy import find_deployment

    try:
        found = find_deployment(drill.settings, drill.backend.clients)
        if not _replicating(drill, found):
            return None, "EFS replication primary -> DR is not configured yet (step 5)"
    except (ConfigError, DeployError, BotoCoreError, ClientError) as exc:
        return None, str(exc)
    return found, ""


def _milestones(settings: Any) -> tuple[tuple[tuple[str, str, str], str, str], ...]:
    """The call that starts each of the guide's steps, the step, and what the room is told."""
    p, dr = settings.primary_region, settings.dr_region
    return ((("cloudformation", "CreateStack", p), "1", f"step 1: primary stack requested in {p}"),
            (("rds", "DescribeDBInstances", p), "2-3", "steps 2-3: primary database and EFS"),
            (("cloudformation", "CreateStack", dr), "4", f"step 4: DR stack requested in {dr}"),
            (("efs", "CreateReplicationConfiguration", p), "5",
             "step 5: EFS replication configured; checking the deployment (step 6)"))


def _guide_steps(journal: OperatorJournal, settings: Any, end: float) -> list[dict[str, Any]]:
    """Each guide step people made: from its first call to the next step's (or ``end``)."""
    starts = []
    for key, step, _ in _milestones(settings):
        at = next((c.started_at for c in journal.calls()
                   if (c.service, c.operation, c.region) == key), None)
        if at is not None:
            starts.append((at, step))
    starts.sort()
    return [{"step": step, "started_at": round(at, 3),
             "seconds": round((starts[i + 1][0] if i + 1 < len(starts) else end) - at, 3)}
            for i, (at, step) in enumerate(starts)]


def await_people_deploy(drill: Drill, journal: OperatorJournal,
                        progress: Callable[[str], None]) -> Any:
    """Wait (until stopped) for people to run the guide's steps 1-6; the deployment found.

    The drill reads the deployment only once people's step 5 (EFS replication) has
    succeeded: moto is not safe to read while a stack is being created (a concurrent
    ``DescribeStacks`` can fail either call with HTTP 500), and nothing is complete before.
    """
    started, told, why = drill.clock.now(), set(), ""
    milestones = _milestones(drill.settings)
    while True:
        done = {(c.service, c.operation, c.region) for c in journal.calls() if c.status == "ok"}
        for key, _, message in milestones:
            if key in done and key not in told:
                told.add(key)
                progress(message)
        if milestones[-1][0] in done:
            found, reason = _deployment_or_why(drill)
            if found is not None:
                break
            if reason != why:
                progress(f"not deployed yet: {reason}")
                why = reason
        tick = threading.Event()
        for _ in range(round(_POLL_REAL_S / _STEP_S)):  # short steps: Ctrl-C is handled
            tick.wait(_STEP_S)
    now = drill.clock.now()
    took = now - started
    drill.timeline.record("rehearsal.deployed", by="people", seconds=round(took, 3),
                          steps=_guide_steps(journal, drill.settings, now))
    progress(f"deployed by hand in {took:.0f} drill seconds: both stacks, the replica and "
             "EFS replication verified")
    return found

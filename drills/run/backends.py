"""Backends: where a drill's AWS API and application live.

The embedded backend starts moto on loopback, the region simulator (one canary per region,
replication, DNS resolution, ground truth) and deploys the stack through the real
CloudFormation API. Its ``stop()`` leaves no server, thread or socket behind.

The aws backend drills an account as it is: credentials from the profile or the standard chain
(an ``AWS_ENDPOINT_URL`` in the environment is honoured, as boto3 does), the stacks deployed
beforehand and only read, faults run as FIS experiments (:mod:`drills.faults.fis_templates`),
probes through real DNS, and no ground truth: there is no simulator to know it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from drills.faults import Fault, FaultContext, FaultRegistry
from drills.measure.context import Backend, started
from drills.safety.target_guard import TargetGuard
from drills.settings.config import Settings
from infra.aws import CallRecord, ClientFactory
from infra.core.clock import Clock
from infra.retry import RetryHook

if TYPE_CHECKING:  # started on demand: moto is heavy
    from infra.deploy import Deployment
    from infra.embedded.moto_server import MotoServer
    from infra.embedded.simulator import RegionSimulator
    from infra.embedded.truth import GroundTruth

from reports import run_folder

__all__ = ["AwsBackend", "EmbeddedBackend", "check_aws_target", "guarded_aws_clients",
           "make_backend"]

log = logging.getLogger(__name__)


@dataclass
class _BackendBase:
    """What both backends share: their inputs, and the clients and deployment they make
    (refused before they have made them)."""

    settings: Settings
    clock: Clock
    run_dir: Path
    progress: Callable[[str], None] = lambda _msg: None
    observers: tuple[Callable[[CallRecord], None], ...] = ()  # after the guard's gate

    def __post_init__(self) -> None:
        self._clients: ClientFactory | None = None
        self._deployment: Deployment | None = None
        self.guard: TargetGuard | None = None

    def _guarded_clients(self, *, endpoint_url: str | None = None,
                         profile: str | None = None) -> str:
        """Make the clients behind a target guard and pass it; the account it checked.

        The same guard on either backend: allowlisted account, expected tags, no production;
        its gate refuses any mutating call until the check has passed.
        """
        self.guard = guard = TargetGuard(self.settings)
        self._clients = ClientFactory(endpoint_url=endpoint_url, profile=profile,
                                      api_timeout_s=self.settings.api_timeout_s,
                                      observers=(guard.gate, *self.observers))
        account = guard.check(self._clients).account
        self.progress(f"target guard passed: account {account}")
        return account

    @property
    def clients(self) -> ClientFactory:
        """The backend's client factory (after start())."""
        return started(self._clients, "clients")

    @property
    def deployment(self) -> Deployment:
        """The deployed stacks (after deploy())."""
        return started(self._deployment, "deployment")

    def adopt(self, deployment: Deployment) -> None:
        """Take stacks deployed by someone else (people, in ``drill up --empty``) as ours."""
        self._deployment = deployment


@dataclass
class EmbeddedBackend(_BackendBase):
    """moto + region simulator + the deployed stack, all on 127.0.0.1."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.moto: MotoServer | None = None
        self.simulator: RegionSimulator | None = None

    name = "embedded"
    account = "embedded"
    use_proxies = False  # canaries on loopback: a developer's http_proxy must not see them

    def start(self) -> None:
        """Start moto and the region simulator."""
        from infra.embedded.latency import LatencyModel
        from infra.embedded.moto_server import MotoServer
        from infra.embedded.simulator import RegionSimulator

        self.moto = moto = MotoServer().start()
        moto.reset()
        self._guarded_clients(endpoint_url=moto.endpoint_url)
        if self.settings.api_error_rate:
            self.clients.inject_errors(self.settings.api_error_rate, seed=self.settings.seed)
            self.progress(f"failing {self.settings.api_error_rate:.0%} of AWS API calls with "
                          "throttling or HTTP 503 (seeded)")
        latency = LatencyModel.from_settings(self.settings)
        self.simulator = RegionSimulator(
            settings=self.settings, clock=self.clock, latency=latency,
            truth_path=self.run_dir / run_folder.GROUND_TRUTH)
        self.simulator.start()
        self.progress(f"embedded AWS listening on {moto.endpoint_url}")

    def deploy(self, on_retry: RetryHook | None = None) -> Deployment:
        """Deploy both stacks (steps 1-6 of the guide) and return the deployment."""
        from infra.deploy import deploy

        self._deployment = deploy(self.settings, self.clients, progress=self.progress,
                                  on_retry=on_retry, clock=self.clock)
        return self._deployment

    def resolve(self, hostname: str) -> str:
        """Base URL that ``hostname`` reaches now, as a client honouring DNS TTL sees it."""
        return str(started(self.simulator, "simulator").resolve(hostname))

    def make_fault(self, registry: FaultRegistry, name: str, ctx: FaultContext,
                   run_id: str, **options: object) -> Fault:
        """The registry's fault ``name``: it acts on moto and the simulator directly."""
        return registry.create(name, ctx, **options)

    @property
    def dataplane(self) -> RegionSimulator | None:
        """The simulator, which can take a region's application down."""
        return self.simulator

    def replica_lag_seconds(self) -> float | None:
        """The DR replica's ReplicaLag (-1: replication stopped), from the simulator.

        moto publishes no RDS metrics, so there is no ReplicaLag in its CloudWatch; the
        simulator runs the replication and knows whether it is running and how far behind.
        """
        return None if self.simulator is None else float(self.simulator.replica_lag_seconds())

    def ground_truth(self) -> GroundTruth | None:
        """What really happened, from the simulator."""
        return started(self.simulator, "simulator").ground_truth()

    def replicated_markers(self, store: str) -> int:
        """How many primary markers DR's copy of ``store`` (``efs``) holds now, from the
        simulator (on AWS, EFS's LastReplicatedTimestamp would say when it last synced)."""
        stores = self.simulator.stores if self.simulator is not None else None
        return 0 if stores is None else int(stores.replicated(store))

    def stop(self) -> None:
        """Stop the simulator, then moto; safe to call twice."""
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
        if self.moto is not None:
            self.moto.stop()
            self.moto = None


@dataclass
class AwsBackend(_BackendBase):
    """An AWS account (or AWS-compatible endpoint) whose stacks are already deployed."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.account = "unknown"

    name = "aws"
    dataplane: RegionSimulator | None = None  # nothing to cut off by hand: FIS does it
    use_proxies = True  # reach the application as its users do, HTTP(S)_PROXY honoured

    def start(self) -> None:
        """Build the clients and pass the target guard before anything else is called."""
        self.account = self._guarded_clients(profile=self.settings.aws_profile)

    def deploy(self, on_retry: RetryHook | None = None) -> Deployment:
        """Find and verify the deployed stacks; a drill never creates them on an account."""
        from infra.deploy import find_deployment

        self._deployment = find_deployment(self.settings, self.clients, progress=self.progress,
                                           on_retry=on_retry)
        return self._deployment

    def resolve(self, hostname: str) -> str:
        """Base URL of ``hostname``: real DNS resolves it when the request is made."""
        return f"http://{hostname}"

    def make_fault(self, registry: FaultRegistry, name: str, ctx: FaultContext,
                   run_id: str, **options: object) -> Fault:
        """Fault ``name`` as a FIS experiment (ConfigError when FIS has no template for it)."""
        from drills.faults.fis_experiment import FisExperiment
        from drills.faults.fis_templates import fis_template
        from infra.retry import RetryPolicy

        s = self.settings
        return FisExperiment(ctx, fis_template(name, s, **options), run_id=run_id,
                             clock=self.clock, poll_s=s.poll_interval_s,
                             timeout_s=s.step_timeout_s,
                             retry=RetryPolicy(max_attempts=s.api_max_attempts))

    def replica_lag_seconds(self) -> float | None:
        """The DR replica's newest CloudWatch ReplicaLag (-1: stopped); None if none yet."""
        from datetime import UTC, datetime

        from drills.audit.facts import replica_lag
        from infra.deploy_common import AwsCalls

        aws = AwsCalls(self.settings, self.clients, None, None)
        return replica_lag(aws, self.settings.replica_id, datetime.now(UTC)).seconds

    def ground_truth(self) -> None:
        """None: a real account has no simulator that knows what really happened."""
        return None

    def stop(self) -> None:
        """Nothing runs locally on this backend (faults are the drill's to revert)."""


def make_backend(settings: Settings, clock: Clock, run_dir: Path,
                 progress: Callable[[str], None],
                 observers: tuple[Callable[[CallRecord], None], ...]) -> Backend:
    """The backend ``settings.backend`` names."""
    cls = AwsBackend if settings.backend == "aws" else EmbeddedBackend
    backend: Backend = cls(settings, clock, run_dir, progress, observers=observers)
    return backend


def guarded_aws_clients(settings: Settings) -> tuple[ClientFactory, str]:
    """Clients for the account ``settings`` name, gated by a target guard that has passed.

    Returns the clients and the account id.

    Raises:
        ConfigError: no credentials (exit 2).
        SafetyRefusal: the target guard refuses the account or the stacks (exit 3).
        DeployError: the AWS endpoint does not answer.
    """
    from botocore.exceptions import BotoCoreError, NoCredentialsError

    from infra.core.errors import ConfigError, DeployError

    s = settings
    where = f"AWS (profile {s.aws_profile or 'from the environment'})"
    guard = TargetGuard(s)
    clients = ClientFactory(profile=s.aws_profile, api_timeout_s=s.api_timeout_s,
                            observers=(guard.gate,))
    try:
        return clients, guard.check(clients).account
    except NoCredentialsError:
        raise ConfigError(f"no AWS credentials for {where}: set aws_profile in the config file "
                          "or the standard AWS_* environment variables") from None
    except BotoCoreError as exc:
        raise DeployError(f"the AWS endpoint {where} did not answer: {exc}") from exc


def check_aws_target(settings: Settings) -> str:
    """Before any run folder exists: credentials, target guard, and both stacks present.

    Returns the account id. Raises as :func:`guarded_aws_clients`, and ConfigError (exit 2)
    when a stack does not exist.
    """
    from infra.core.errors import ConfigError
    from infra.deploy_common import AwsCalls, stack_summary

    s = settings
    clients, account = guarded_aws_clients(s)
    aws = AwsCalls(s, clients, None, None)
    for region, stack in ((s.primary_region, s.primary_stack), (s.dr_region, s.dr_stack)):
        if stack_summary(aws, region, stack) is None:
            raise ConfigError(f"stack {stack!r} does not exist in {region} of account "
                              f"{account}: deploy the stacks first (steps 1-6 of the guide), "
                              "or fix environment_suffix and the regions in the config")
    return account

"""Backends: where a drill's AWS API and application live.

The embedded backend starts moto on loopback, the region simulator (one canary per region,
replication, DNS resolution, ground truth) and deploys the stack through the real
CloudFormation API. Its ``stop()`` leaves no server, thread or socket behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drills.clock import Clock
from drills.config import Settings
from drills.safety import TargetGuard
from infra.aws import CallRecord, ClientFactory
from infra.retry import RetryHook

__all__ = ["EmbeddedBackend"]

log = logging.getLogger(__name__)


@dataclass
class EmbeddedBackend:
    """moto + region simulator + the deployed stack, all on 127.0.0.1."""

    settings: Settings
    clock: Clock
    run_dir: Path
    progress: Callable[[str], None] = lambda _msg: None
    observers: tuple[Callable[[CallRecord], None], ...] = ()  # after the guard's gate

    def __post_init__(self) -> None:
        self.moto: Any = None
        self.simulator: Any = None
        self.clients: ClientFactory | None = None
        self.deployment: Any = None
        self.guard: TargetGuard | None = None

    name = "embedded"
    account = "embedded"

    def start(self) -> None:
        """Start moto and the region simulator."""
        from infra.embedded.latency import LatencyModel
        from infra.embedded.moto_server import MotoServer
        from infra.embedded.simulator import RegionSimulator

        self.moto = MotoServer().start()
        self.moto.reset()
        # The same target guard as on a real account: allowlisted account, expected tags,
        # no production; its gate refuses any mutating call until the check has passed.
        self.guard = TargetGuard(self.settings)
        self.clients = ClientFactory(
            endpoint_url=self.moto.endpoint_url, api_timeout_s=self.settings.api_timeout_s,
            observers=(self.guard.gate, *self.observers))
        report = self.guard.check(self.clients)
        self.progress(f"target guard passed: account {report.account}")
        if self.settings.api_error_rate:
            self.clients.inject_errors(self.settings.api_error_rate, seed=self.settings.seed)
            self.progress(f"failing {self.settings.api_error_rate:.0%} of AWS API calls with "
                          "throttling or HTTP 503 (seeded)")
        latency = LatencyModel.from_settings(self.settings)
        self.simulator = RegionSimulator(
            settings=self.settings, clock=self.clock, latency=latency,
            truth_path=self.run_dir / "ground_truth.jsonl")
        self.simulator.start()
        self.progress(f"embedded AWS listening on {self.moto.endpoint_url}")

    def deploy(self, on_retry: RetryHook | None = None) -> Any:
        """Deploy both stacks (steps 1-6 of the guide) and return the deployment."""
        from infra.deploy import deploy

        assert self.clients is not None
        self.deployment = deploy(self.settings, self.clients, progress=self.progress,
                                 on_retry=on_retry)
        return self.deployment

    def resolve(self, hostname: str) -> str:
        """Base URL that ``hostname`` reaches now, as a client honouring DNS TTL sees it."""
        return str(self.simulator.resolve(hostname))

    @property
    def dataplane(self) -> Any:
        """The simulator, which can take a region's application down."""
        return self.simulator

    def replica_lag_seconds(self) -> float | None:
        """The DR replica's ReplicaLag (-1: replication stopped), from the simulator.

        moto publishes no RDS metrics, so there is no ReplicaLag in its CloudWatch; the
        simulator runs the replication and knows whether it is running and how far behind.
        """
        return None if self.simulator is None else float(self.simulator.replica_lag_seconds())

    def ground_truth(self) -> Any:
        """What really happened, from the simulator."""
        return self.simulator.ground_truth()

    def stop(self) -> None:
        """Stop the simulator, then moto; safe to call twice."""
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
        if self.moto is not None:
            self.moto.stop()
            self.moto = None

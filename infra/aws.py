"""The one place boto3 clients are made, for both backends.

Every client of the project comes from :class:`ClientFactory`: on the embedded backend it
points at the moto server on loopback with test credentials; on the aws backend it uses a
named profile or the standard credential chain. Every client has connect and read timeouts,
and botocore's own retries are off: retries are declared with tenacity (``infra.retry``) so
each one can be journaled.

The factory can also *lose* a region: once lost, every call a client makes to that region's
regional services fails before it leaves the process with ``EndpointConnectionError``,
exactly what a dead regional endpoint gives. Global services (Route 53, IAM, STS) stay up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

__all__ = ["GLOBAL_SERVICES", "TEST_CREDENTIALS", "CallRecord", "ClientFactory"]

# Services whose control plane is not in the region the client names.
GLOBAL_SERVICES = frozenset({"route53", "iam", "sts", "organizations"})

TEST_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}

CallRecord = tuple[str, str, str]  # (service, operation, region)


class ClientFactory:
    """Builds boto3 clients and can cut off whole regions, like a regional outage."""

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        profile: str | None = None,
        api_timeout_s: float = 10.0,
        observers: tuple[Callable[[CallRecord], None], ...] = (),
    ) -> None:
        if endpoint_url is not None:
            self.session = boto3.session.Session(**TEST_CREDENTIALS)
        else:
            self.session = boto3.session.Session(profile_name=profile)
        self.endpoint_url = endpoint_url
        self._config = Config(
            connect_timeout=api_timeout_s,
            read_timeout=api_timeout_s,
            retries={"mode": "standard", "max_attempts": 1},
        )
        self._lost: set[str] = set()
        self._lock = threading.Lock()
        self._observers = list(observers)
        self.session.events.register("before-send", self._before_send)

    def client(self, service: str, region: str) -> Any:
        """A boto3 client for ``service`` in ``region``."""
        return self.session.client(
            service, region_name=region, endpoint_url=self.endpoint_url, config=self._config
        )

    def observe(self, observer: Callable[[CallRecord], None]) -> None:
        """Call ``observer((service, operation, region))`` before every request is sent."""
        self._observers.append(observer)

    def lose_region(self, region: str) -> None:
        """Make every regional API call to ``region`` fail as if its endpoints were dead."""
        with self._lock:
            self._lost.add(region)

    def restore_region(self, region: str) -> None:
        """Undo :meth:`lose_region`."""
        with self._lock:
            self._lost.discard(region)

    @property
    def lost_regions(self) -> frozenset[str]:
        """Regions currently cut off."""
        with self._lock:
            return frozenset(self._lost)

    def _before_send(self, request: Any, event_name: str, **_: Any) -> None:
        _, service, operation = (event_name.split(".") + ["", ""])[:3]
        region = request.context.get("client_region", "")
        service = service.lower().replace("-", "")
        for observer in list(self._observers):
            observer((service, operation, region))
        if service not in GLOBAL_SERVICES and region in self.lost_regions:
            raise EndpointConnectionError(endpoint_url=request.url)

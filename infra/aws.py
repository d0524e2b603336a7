"""The one place boto3 clients are made, for both backends.

Every client of the project comes from :class:`ClientFactory`: on the embedded backend it
points at the moto server on loopback with test credentials; on the aws backend it uses a
named profile or the standard credential chain. Every client has connect and read timeouts,
and botocore's own retries are off: retries are declared with tenacity (``infra.retry``) so
each one can be journaled.

The factory can also *lose* a region: once lost, every call a client makes to that region's
regional services fails before it leaves the process with ``EndpointConnectionError``,
exactly what a dead regional endpoint gives. Global services (Route 53, IAM, STS) stay up.

On the embedded backend it can also make a seeded share of calls fail the way a busy AWS
does (throttling or HTTP 503), to prove the drill's retries: :meth:`ClientFactory.inject_errors`.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

__all__ = ["DRILL_USER_AGENT", "GLOBAL_SERVICES", "TEST_CREDENTIALS", "CallRecord",
           "ClientFactory"]

# Services whose control plane is not in the region the client names.
GLOBAL_SERVICES = frozenset({"route53", "iam", "sts", "organizations"})

TEST_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}

CallRecord = tuple[str, str, str]  # (service, operation, region)

# Appended to the User-Agent of every client made here, so the embedded AWS can tell the
# drill's own calls from those people make through the same endpoint (`drill up`).
DRILL_USER_AGENT = "streamflix-drill"


# One loader of botocore's service models for the whole process. Each session would load
# (and parse) every model it uses again, several hundred milliseconds for EC2 alone, and a
# process makes a factory per drill; the models are read-only once loaded.
_LOADER = botocore.loaders.create_loader()


def _session(**kwargs: Any) -> boto3.session.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.session.Session(botocore_session=core, **kwargs)


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
            self.session = _session(**TEST_CREDENTIALS)
        else:
            self.session = _session(profile_name=profile)
        self.endpoint_url = endpoint_url
        self._config = Config(
            connect_timeout=api_timeout_s,
            read_timeout=api_timeout_s,
            retries={"mode": "standard", "total_max_attempts": 1},  # botocore never retries
            user_agent_extra=DRILL_USER_AGENT,
        )
        self._lost: set[str] = set()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._observers = list(observers)
        self._errors: tuple[float, random.Random] | None = None
        self.session.events.register("before-send", self._before_send)

    def client(self, service: str, region: str) -> Any:
        """The boto3 client for ``service`` in ``region`` (made once, then shared)."""
        # Clients are thread-safe and cost ~20 ms to build (a drill asks for dozens); the
        # session that builds them is not, so building is serialised too.
        with self._lock:
            found = self._clients.get((service, region))
            if found is None:
                found = self._clients[service, region] = self.session.client(
                    service, region_name=region, endpoint_url=self.endpoint_url,
                    config=self._config)
            return found

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

    def inject_errors(self, rate: float, *, seed: int | None = None) -> None:
        """Fail a seeded ``rate`` of calls with throttling or HTTP 503 (0 stops injecting)."""
        if not 0 <= rate < 1:
            raise ValueError(f"error rate must be in [0, 1), got {rate!r}")
        with self._lock:
            self._errors = (rate, random.Random(seed)) if rate else None

    @property
    def lost_regions(self) -> frozenset[str]:
        """Regions currently cut off."""
        with self._lock:
            return frozenset(self._lost)

    def _before_send(self, request: Any, event_name: str, **_: Any) -> None:
        _event, service, operation = [*event_name.split("."), "", ""][:3]
        region = request.context.get("client_region", "")
        service = service.lower().replace("-", "")
        for observer in list(self._observers):
            observer((service, operation, region))
        if service not in GLOBAL_SERVICES and region in self.lost_regions:
            raise EndpointConnectionError(endpoint_url=request.url)
        with self._lock:
            if self._errors is None:
                return None
            rate, rng = self._errors
            fail, throttle = rng.random() < rate, rng.random() < 0.5
        if not fail:
            return None
        # Returned instead of sending: botocore parses it like a real answer from AWS.
        return _throttled(request) if throttle else _unavailable(request)


class _Body:
    """The raw body botocore reads an injected response from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        """The body in one chunk."""
        yield self._data


def _unavailable(request: Any) -> AWSResponse:
    return AWSResponse(request.url, 503, {"Content-Length": "0"}, _Body(b""))


def _throttled(request: Any) -> AWSResponse:
    """A throttling error in the request's protocol; 503 where the protocol's format differs."""
    headers = {key.lower(): value for key, value in request.headers.items()}
    raw = request.body or b""
    body = raw.encode() if isinstance(raw, str) else bytes(raw)
    if "x-amz-target" in headers:  # JSON protocol (ECS, CloudWatch Logs)
        data = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"})
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"},
                           _Body(data.encode()))
    if body.startswith(b"Action=") and b"Version=2016-11-15" not in body:  # query, not EC2
        xml = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
               b"<Message>Rate exceeded</Message></Error><RequestId>injected</RequestId>"
               b"</ErrorResponse>")
        return AWSResponse(request.url, 400, {"Content-Type": "text/xml"}, _Body(xml))
    return _unavailable(request)

"""Fixtures for scenarios and tests: settings, the embedded AWS, a client factory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drills.config import Settings, load_settings
from infra.aws import ClientFactory
from infra.embedded.moto_server import MotoServer


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server on loopback for the whole session."""
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: MotoServer) -> Iterator[MotoServer]:
    """The session's moto server, emptied before each test."""
    moto_server.reset()
    yield moto_server


@pytest.fixture
def settings() -> Settings:
    """Default embedded settings."""
    return load_settings()


@pytest.fixture
def clients(aws: MotoServer, settings: Settings) -> ClientFactory:
    """A client factory pointed at the (freshly reset) moto server."""
    return ClientFactory(endpoint_url=aws.endpoint_url, api_timeout_s=settings.api_timeout_s)

"""Fixtures for scenarios and tests: settings, the embedded AWS, a client factory, a drill.

``drill run`` runs a feature through pytest and hands its settings in through a
:class:`DrillCarrier` plugin; under ``make test`` the defaults below apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drills.app.feature_runner import CARRIER_NAME
from drills.run.engine import Drill
from drills.settings.config import Settings, load_settings
from infra.aws import ClientFactory
from infra.embedded.moto_server import MotoServer

__all__ = ["TEST_TIME_SCALE"]

# Under `make test` drills run faster than the 60x of `make drill`; the accuracy bounds
# are in probe intervals, which scale with the clock.
TEST_TIME_SCALE = 120.0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """Keep the exception a scenario raised, so the drill's verdict can name it."""
    report = yield
    if call.when == "call" and call.excinfo is not None:
        item.stash[_ERROR] = call.excinfo.value
    return report


_ERROR = pytest.StashKey[BaseException]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Keep a Ctrl-C or SIGTERM that stops the session, so the drill's verdict is aborted.

    pytest re-raises a KeyboardInterrupt past its reports and tears fixtures down only when
    the session ends; without this the drill would close as if the scenario had just ended.
    """
    try:
        return (yield)
    except KeyboardInterrupt as exc:
        item.stash.setdefault(_ERROR, exc)
        raise


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
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The CLI's settings when run by ``drill run``, else fast embedded test settings."""
    carrier = request.config.pluginmanager.get_plugin(CARRIER_NAME)
    if carrier is not None:
        return carrier.settings  # type: ignore[no-any-return]
    return load_settings(overrides={"runs_dir": tmp_path_factory.mktemp("runs"),
                                    "time_scale": TEST_TIME_SCALE, "seed": 7})


@pytest.fixture
def clients(aws: MotoServer, settings: Settings) -> ClientFactory:
    """A client factory pointed at the (freshly reset) moto server."""
    return ClientFactory(endpoint_url=aws.endpoint_url, api_timeout_s=settings.api_timeout_s)


_SCENARIO = pytest.StashKey[tuple[str, str]]()


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Remember which scenario of which feature file this test runs."""
    request.node.stash[_SCENARIO] = (scenario.name, feature.filename)


def _gherkin(request: pytest.FixtureRequest) -> tuple[str, str, str]:
    name, filename = request.node.stash.get(_SCENARIO, (request.node.name, ""))
    text = Path(filename).read_text(encoding="utf-8") if filename else ""
    return name, filename, text


@pytest.fixture
def drill(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Drill]:
    """A drill for this scenario; closed (faults reverted, verdict journaled) afterwards."""
    carrier = request.config.pluginmanager.get_plugin(CARRIER_NAME)
    scenario, feature, gherkin = _gherkin(request)
    run = Drill(settings, scenario=scenario, feature=feature, gherkin=gherkin,
                progress=carrier.progress if carrier else (lambda _m: None))
    if carrier is not None:
        carrier.drills.append(run)
    try:
        yield run
    finally:
        run.close(request.node.stash.get(_ERROR, None))
        if run.interrupted:  # a signal held while it reverted: stop before the next scenario
            request.session.shouldstop = "the drill was interrupted"

"""The canary over real HTTP on 127.0.0.1: the contract in docs/contracts.md."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests

from infra.canary import CanaryApp, CanaryServer, Marker, NotWritable
from infra.canary.sqlite_store import SqliteMarkers, StoredMarker

__all__: list[str] = []


class Switches:
    """Injected health and store: problems and writability set by the test."""

    def __init__(self, path: Path) -> None:
        self.health: tuple[str, ...] = ()
        self.read_only: tuple[str, ...] = ()
        self.db = SqliteMarkers(path)

    def problems(self) -> tuple[str, ...]:
        return self.health

    def write(self, marker: Marker) -> None:
        if self.read_only:
            raise NotWritable(*self.read_only)
        self.db.insert(StoredMarker(marker.seq, marker.written_at, 0.0, "eu-west-2"))

    def markers(self) -> tuple[Marker, ...]:
        return self.db.markers()


@pytest.fixture
def switches(tmp_path):
    found = Switches(tmp_path / "markers.sqlite")
    yield found
    found.db.close()


@pytest.fixture
def canary(switches):
    app = CanaryApp(region="eu-west-2", health=switches, store=switches)
    with CanaryServer(app) as server:
        yield server


def test_health_is_200_when_nothing_is_wrong(canary):
    r = requests.get(f"{canary.url}/health", timeout=5)
    assert (r.status_code, r.json()) == (200, {"status": "ok", "region": "eu-west-2"})


def test_health_is_503_with_reasons(canary, switches):
    switches.health = ("database is read-only", "ECS service has no running tasks")
    r = requests.get(f"{canary.url}/health", timeout=5)
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "region": "eu-west-2",
                        "reasons": ["database is read-only", "ECS service has no running tasks"]}


def test_marker_is_acknowledged_then_listed(canary):
    r = requests.post(f"{canary.url}/markers", json={"seq": 7, "written_at": 12.5}, timeout=5)
    assert (r.status_code, r.json()) == (201, {"seq": 7, "region": "eu-west-2"})
    listed = requests.get(f"{canary.url}/markers", timeout=5).json()
    assert listed == {"region": "eu-west-2", "markers": [{"seq": 7, "written_at": 12.5}]}


def test_marker_on_read_only_database_is_503(canary, switches):
    switches.read_only = ("database is read-only",)
    r = requests.post(f"{canary.url}/markers", json={"seq": 1, "written_at": 1.0}, timeout=5)
    assert (r.status_code, r.json()["reasons"]) == (503, ["database is read-only"])
    assert requests.get(f"{canary.url}/markers", timeout=5).json()["markers"] == []


@pytest.mark.parametrize(
    "body", [b"not json", b'{"seq": "x"}', b"{}"], ids=["junk", "bad", "empty"]
)
def test_malformed_marker_is_400(canary, body):
    r = requests.post(f"{canary.url}/markers", data=body, timeout=5)
    assert r.status_code == 400


def test_unreachable_canary_resets_new_and_pooled_connections(canary):
    with requests.Session() as session:
        assert session.get(f"{canary.url}/health", timeout=5).status_code == 200
        canary.set_reachable(False)
        with pytest.raises(requests.ConnectionError):
            session.get(f"{canary.url}/health", timeout=5)  # the pooled connection
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{canary.url}/health", timeout=5)  # a new connection
        canary.set_reachable(True)
        assert session.get(f"{canary.url}/health", timeout=5).status_code == 200


def test_stop_closes_socket_and_joins_threads(switches):
    before = set(threading.enumerate())
    server = CanaryServer(CanaryApp(region="us-east-1", health=switches, store=switches)).start()
    url = server.url
    with requests.Session() as session:  # keeps an idle keep-alive connection open
        assert session.get(f"{url}/health", timeout=5).status_code == 200
        server.stop()
        assert set(threading.enumerate()) <= before
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/health", timeout=1)

"""The canary's stores over real HTTP, and EFS replication read from moto's state."""

from __future__ import annotations

import requests

from drills.measure.store_rpo import read_store_markers
from infra.canary.app import CanaryApp, CanaryServer
from infra.core.clock import Clock
from infra.embedded.canary_stores import RegionCache, RegionFiles, efs_replication_configured

__all__: list[str] = []


class _Healthy:
    def problems(self):
        return ()


def test_markers_are_written_to_every_store_and_read_per_store(tmp_path):
    clock = Clock(scale=60)
    database = RegionCache(region="us-east-1", clock=clock)  # any MarkerStore will do
    files = RegionFiles(tmp_path / "efs", region="us-east-1", clock=clock)
    cache = RegionCache(region="us-east-1", clock=clock)
    app = CanaryApp(region="us-east-1", health=_Healthy(), store=database,
                    stores={"efs": files, "cache": cache})
    with CanaryServer(app) as server, requests.Session() as http:
        for seq in (1, 2):
            assert http.post(f"{server.url}/markers", json={"seq": seq, "written_at": seq * 2.0},
                             timeout=5).status_code == 201
        plain = http.get(f"{server.url}/markers", timeout=5).json()
        one = http.get(f"{server.url}/markers?store=efs", timeout=5).json()
        unknown = http.get(f"{server.url}/markers?store=s3", timeout=5)
        by_store = read_store_markers(server.url, timeout=5, region="us-east-1")
    # Existing callers get the database's markers in the same shape as before.
    assert plain == {"region": "us-east-1", "markers": [{"seq": 1, "written_at": 2.0},
                                                        {"seq": 2, "written_at": 4.0}]}
    assert one["store"] == "efs" and [m["seq"] for m in one["markers"]] == [1, 2]
    assert unknown.status_code == 404 and "no store 's3'" in unknown.json()["reasons"][0]
    assert by_store == {"database": frozenset({1, 2}), "efs": frozenset({1, 2}),
                        "cache": frozenset({1, 2})}
    assert [p.name for p in sorted((tmp_path / "efs").iterdir())] == ["000000001.json",
                                                                      "000000002.json"]


def test_efs_replication_is_read_from_moto_and_gone_once_deleted(aws, clients):
    src = clients.client("efs", "eu-west-2").create_file_system(CreationToken="stores-a")
    dst = clients.client("efs", "us-east-1").create_file_system(CreationToken="stores-b")
    efs = clients.client("efs", "eu-west-2")
    assert not efs_replication_configured("eu-west-2", "us-east-1")
    efs.create_replication_configuration(SourceFileSystemId=src["FileSystemId"], Destinations=[
        {"Region": "us-east-1", "FileSystemId": dst["FileSystemId"]}])
    assert efs_replication_configured("eu-west-2", "us-east-1")
    assert not efs_replication_configured("us-east-1", "eu-west-2")
    efs.delete_replication_configuration(SourceFileSystemId=src["FileSystemId"])
    assert not efs_replication_configured("eu-west-2", "us-east-1")

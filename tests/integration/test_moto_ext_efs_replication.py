"""EFS replication configuration operations (infra/embedded/moto_ext/efs_replication.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

__all__: list[str] = []


@pytest.fixture
def file_systems(aws, clients):
    src = clients.client("efs", "eu-west-2").create_file_system(CreationToken="a")
    dst = clients.client("efs", "us-east-1").create_file_system(CreationToken="b")
    return src["FileSystemId"], dst["FileSystemId"]


def test_create_describe_delete(clients, file_systems):
    src, dst = file_systems
    efs = clients.client("efs", "eu-west-2")
    made = efs.create_replication_configuration(
        SourceFileSystemId=src, Destinations=[{"Region": "us-east-1", "FileSystemId": dst}])
    assert made["Destinations"][0]["FileSystemId"] == dst
    seen = clients.client("efs", "us-east-1").describe_replication_configurations(
        FileSystemId=dst)["Replications"]
    assert [r["SourceFileSystemId"] for r in seen] == [src]
    efs.delete_replication_configuration(SourceFileSystemId=src)
    assert efs.describe_replication_configurations()["Replications"] == []


@pytest.mark.parametrize("case", ["unknown-fs", "duplicate", "not-replicated"])
def test_errors_like_aws(clients, file_systems, case):
    src, dst = file_systems
    efs = clients.client("efs", "eu-west-2")
    dest = [{"Region": "us-east-1", "FileSystemId": dst}]
    expected = {"unknown-fs": "FileSystemNotFound", "duplicate": "ValidationException",
                "not-replicated": "ReplicationNotFound"}[case]
    if case == "duplicate":
        efs.create_replication_configuration(SourceFileSystemId=src, Destinations=dest)
    with pytest.raises(ClientError) as info:
        if case == "unknown-fs":
            efs.create_replication_configuration(SourceFileSystemId="fs-00000000",
                                                 Destinations=dest)
        elif case == "duplicate":
            efs.create_replication_configuration(SourceFileSystemId=src, Destinations=dest)
        else:
            efs.delete_replication_configuration(SourceFileSystemId=src)
    assert info.value.response["Error"]["Code"] == expected

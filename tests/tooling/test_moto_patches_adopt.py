"""The moto patches an adoption needs (tooling/moto_patches.py, last three): each with its scenario
and an ``upstream_still_needs`` twin that fails once moto closes the gap (then delete both)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.codebuild.responses import CodeBuildResponse
from moto.efs.responses import EFSResponse
from moto.logs.responses import LogsResponse
from moto.rds.models import RDSBackend

from tests.tooling.test_moto_patches import client, endpoint, status, unpatch

__all__ = ["client", "endpoint"]  # fixtures shared with test_moto_patches


def subnet_group(client: Any) -> Any:
    ec2, rds = client("ec2"), client("rds")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"eu-south-1{z}")["Subnet"][
            "SubnetId"
        ]
        for i, z in ((1, "a"), (2, "b"))
    ]
    rds.create_db_subnet_group(DBSubnetGroupName="db", DBSubnetGroupDescription="old", SubnetIds=subnets)
    rds.modify_db_subnet_group(DBSubnetGroupName="db", DBSubnetGroupDescription="new", SubnetIds=subnets)
    return rds


def test_a_modified_db_subnet_group_is_still_there(client: Any) -> None:
    (group,) = subnet_group(client).describe_db_subnet_groups(DBSubnetGroupName="db")["DBSubnetGroups"]
    assert group["DBSubnetGroupDescription"] == "new"


def test_upstream_still_needs_rds_modify_db_subnet_group_keeps_group(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    unpatch(monkeypatch, RDSBackend)
    with pytest.raises(ClientError, match="DBSubnetGroupNotFound"):
        subnet_group(client).describe_db_subnet_groups(DBSubnetGroupName="db")


def test_a_log_group_gets_and_loses_a_kms_key(client: Any) -> None:
    logs, key = client("logs"), client("kms").create_key()["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName="/adopted")
    logs.associate_kms_key(logGroupName="/adopted", kmsKeyId=key)
    assert logs.describe_log_groups(logGroupNamePrefix="/adopted")["logGroups"][0]["kmsKeyId"] == key
    logs.disassociate_kms_key(logGroupName="/adopted")
    assert "kmsKeyId" not in logs.describe_log_groups(logGroupNamePrefix="/adopted")["logGroups"][0]


def test_upstream_still_needs_logs_associate_kms_key(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch(monkeypatch, LogsResponse)
    logs = client("logs")
    logs.create_log_group(logGroupName="/adopted")
    with pytest.raises(ClientError) as error:
        logs.associate_kms_key(logGroupName="/adopted", kmsKeyId="arn:aws:kms:eu-south-1:123456789012:key/x")
    assert status(error.value) == 500


def test_a_file_system_changes_throughput_mode(client: Any) -> None:
    efs = client("efs")
    file_system = efs.create_file_system(CreationToken="adopted", ThroughputMode="bursting")["FileSystemId"]
    assert efs.update_file_system(FileSystemId=file_system, ThroughputMode="elastic")["ThroughputMode"] == "elastic"
    assert efs.describe_file_systems(FileSystemId=file_system)["FileSystems"][0]["ThroughputMode"] == "elastic"


def test_upstream_still_needs_efs_update_file_system(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch(monkeypatch, EFSResponse)
    efs = client("efs")
    file_system = efs.create_file_system(CreationToken="adopted")["FileSystemId"]
    with pytest.raises(ClientError) as error:
        efs.update_file_system(FileSystemId=file_system, ThroughputMode="elastic")
    assert status(error.value) == 500


def codebuild_project(client: Any) -> Any:
    role = client("iam").create_role(RoleName="build", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    codebuild = client("codebuild")
    codebuild.create_project(
        name="adopted",
        source={"type": "CODEPIPELINE"},
        artifacts={"type": "CODEPIPELINE"},
        environment={"type": "LINUX_CONTAINER", "image": "old", "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=role,
    )
    return codebuild


def test_a_codebuild_project_is_updated(client: Any) -> None:
    codebuild = codebuild_project(client)
    environment = {"type": "LINUX_CONTAINER", "image": "new", "computeType": "BUILD_GENERAL1_MEDIUM"}
    updated = codebuild.update_project(name="adopted", description="ours", environment=environment)["project"]
    assert (updated["description"], updated["environment"]["image"]) == ("ours", "new")
    (project,) = codebuild.batch_get_projects(names=["adopted"])["projects"]
    assert project["environment"]["computeType"] == "BUILD_GENERAL1_MEDIUM"
    assert project["source"] == {"type": "CODEPIPELINE"}  # what was not sent is kept


def test_upstream_still_needs_codebuild_update_project(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    codebuild = codebuild_project(client)
    unpatch(monkeypatch, CodeBuildResponse)
    with pytest.raises(ClientError) as error:
        codebuild.update_project(name="adopted", description="ours")
    assert status(error.value) == 500

"""Apply the dev stack to the local AWS endpoint (moto), check it with boto3, re-plan, destroy.

Runs in CI (never skipped there): the endpoint is started by the fixture on a free loopback port and
stopped after. What moto cannot check is listed in the README (Local mode) and next to each check.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from config import ENVIRONMENTS
from tooling.local import (
    LocalServer,
    Terraform,
    bootstrap_state,
    boto_client,
    free_port,
    start_server,
    stop_server,
    synthesize_local,
)

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]


@dataclass
class Deployment:
    server: LocalServer
    terraform: Terraform
    outputs: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    destroyed: bool = False

    def client(self, service: str) -> Any:
        return boto_client(self.server.url, service, DEV.region)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, tf_cli_config: Path) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("local")
    server = start_server(free_port(), log_path=work / "moto.log")
    try:
        _, stack_dir = synthesize_local("dev", server.url, work / "cdktf.out")
        bootstrap_state(server.url, bucket=DEV.state.bucket, lock_table=DEV.state.lock_table, region=DEV.state.region)
        terraform = Terraform(stack_dir, tf_cli_config)
        terraform.init()
        started = time.monotonic()
        terraform.apply()
        deployment = Deployment(server, terraform, terraform.outputs(), {"apply": time.monotonic() - started})
        yield deployment
        if not deployment.destroyed:
            terraform.destroy()
        print("\nlocal endpoint timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in deployment.seconds.items()))
    finally:
        stop_server(server)


def test_outputs_name_the_deployed_resources(deployment: Deployment) -> None:
    out = deployment.outputs
    assert out["EnvironmentSuffix"] == "dev" and out["StackName"] == "healthtech-dev"
    assert out["VPCId"].startswith("vpc-")
    assert out["NatGatewayId"].startswith("nat-")
    assert all(out[f"{t}Subnet{i}Id"].startswith("subnet-") for t in ("Public", "Private") for i in (1, 2))


def test_four_subnets_over_two_azs(deployment: Deployment) -> None:
    ec2 = deployment.client("ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [deployment.outputs["VPCId"]]}])["Subnets"]
    assert len(subnets) == 4
    assert {s["AvailabilityZone"] for s in subnets} == {"eu-south-1a", "eu-south-1b"}
    assert sorted(s["CidrBlock"] for s in subnets) == sorted(
        DEV.network.public_subnet_cidrs + DEV.network.private_subnet_cidrs
    )
    vpc = ec2.describe_vpcs(VpcIds=[deployment.outputs["VPCId"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == DEV.network.vpc_cidr
    tags = {t["Key"]: t["Value"] for t in vpc["Tags"]}
    assert tags["Name"] == "healthtech-vpc-dev" and tags["Environment"] == "dev" and tags["Compliance"] == "HIPAA"


def _default_route(ec2: Any, subnet_id: str) -> dict[str, Any]:
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
    (table,) = tables["RouteTables"]
    (route,) = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    return dict(route)


def test_public_subnets_route_to_the_igw_and_private_ones_to_the_nat(deployment: Deployment) -> None:
    ec2, out = deployment.client("ec2"), deployment.outputs
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [out["VPCId"]]}])
    (igw,) = igws["InternetGateways"]
    for i in (1, 2):
        assert _default_route(ec2, out[f"PublicSubnet{i}Id"])["GatewayId"] == igw["InternetGatewayId"]
        assert _default_route(ec2, out[f"PrivateSubnet{i}Id"])["NatGatewayId"] == out["NatGatewayId"]
    (nat,) = ec2.describe_nat_gateways(NatGatewayIds=[out["NatGatewayId"]])["NatGateways"]
    assert nat["SubnetId"] == out["PublicSubnet1Id"] and nat["State"] == "available"


def test_flow_log_is_active_into_the_encrypted_log_group(deployment: Deployment) -> None:
    ec2, logs, out = deployment.client("ec2"), deployment.client("logs"), deployment.outputs
    (flow,) = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [out["VPCId"]]}])["FlowLogs"]
    assert flow["FlowLogStatus"] == "ACTIVE" and flow["TrafficType"] == "ALL"
    assert flow["LogDestinationType"] == "cloud-watch-logs"
    assert flow["LogDestination"].endswith(":log-group:/healthtech/dev/vpc-flow-logs")
    assert flow["DeliverLogsPermissionArn"].endswith(":role/healthtech-flow-logs-role-dev")
    (group,) = logs.describe_log_groups(logGroupNamePrefix=out["FlowLogGroupName"])["logGroups"]
    assert group["retentionInDays"] == DEV.observability.log_retention_days
    assert group["kmsKeyId"].endswith(out["LogsKMSKeyId"])


def test_kms_keys_rotate_and_have_their_aliases(deployment: Deployment) -> None:
    kms, out = deployment.client("kms"), deployment.outputs
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    for purpose, output in (
        ("rds", "RDSKMSKeyId"),
        ("efs", "EFSKMSKeyId"),
        ("logs", "LogsKMSKeyId"),
        ("s3", "S3KMSKeyId"),
        ("secrets", "SecretsKMSKeyId"),
    ):
        assert kms.get_key_rotation_status(KeyId=out[output])["KeyRotationEnabled"] is True
        assert aliases[f"alias/healthtech-{purpose}-dev"] == out[output]


def test_default_security_group_is_empty_and_rds_takes_only_ecs(deployment: Deployment) -> None:
    ec2, vpc_id = deployment.client("ec2"), deployment.outputs["VPCId"]
    groups = {
        g["GroupName"]: g
        for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    }
    assert groups["default"]["IpPermissions"] == [] and groups["default"]["IpPermissionsEgress"] == []
    (rds_in,) = groups["healthtech-rds-sg-dev"]["IpPermissions"]
    assert (rds_in["FromPort"], rds_in["ToPort"], rds_in["IpRanges"]) == (5432, 5432, [])
    assert [p["GroupId"] for p in rds_in["UserIdGroupPairs"]] == [groups["healthtech-ecs-sg-dev"]["GroupId"]]
    assert groups["healthtech-rds-sg-dev"]["IpPermissionsEgress"] == []


def test_postgres_is_encrypted_private_tls_only_with_a_managed_secret(deployment: Deployment) -> None:
    rds, kms, out = deployment.client("rds"), deployment.client("kms"), deployment.outputs
    (db,) = rds.describe_db_instances(DBInstanceIdentifier="healthtech-postgres-dev")["DBInstances"]
    assert db["Engine"] == "postgres" and db["DBInstanceStatus"] == "available"
    assert db["StorageEncrypted"] is True and db["KmsKeyId"].endswith(out["RDSKMSKeyId"])
    assert db["MultiAZ"] is DEV.database.multi_az
    assert db["PubliclyAccessible"] is False and db["DeletionProtection"] is DEV.deletion_protection
    assert db["Endpoint"]["Address"] == out["RDSInstanceEndpoint"] and db["Endpoint"]["Port"] == 5432
    assert {s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"]} == {
        out["PrivateSubnet1Id"],
        out["PrivateSubnet2Id"],
    }
    assert db["MasterUserSecret"]["SecretArn"] == out["RDSMasterSecretArn"]
    secrets_key = kms.describe_key(KeyId=out["SecretsKMSKeyId"])["KeyMetadata"]["Arn"]
    assert db["MasterUserSecret"]["KmsKeyId"] == secrets_key
    assert sorted(db["EnabledCloudwatchLogsExports"]) == ["postgresql", "upgrade"]
    (group,) = db["DBParameterGroups"]
    params = rds.describe_db_parameters(DBParameterGroupName=group["DBParameterGroupName"], Source="user")
    assert {p["ParameterName"]: p["ParameterValue"] for p in params["Parameters"]} == {
        "rds.force_ssl": "1",
        "log_connections": "1",
        "log_disconnections": "1",
    }
    # Not checkable here: moto accepts Performance Insights but does not store it (README, Local mode).


def test_efs_is_encrypted_with_our_key_mounted_in_both_azs_and_tls_only(deployment: Deployment) -> None:
    efs, out = deployment.client("efs"), deployment.outputs
    (fs,) = efs.describe_file_systems(FileSystemId=out["EFSFileSystemId"])["FileSystems"]
    assert fs["Encrypted"] is True and fs["KmsKeyId"].endswith(out["EFSKMSKeyId"])
    targets = efs.describe_mount_targets(FileSystemId=out["EFSFileSystemId"])["MountTargets"]
    assert len(targets) == 2
    assert {t["SubnetId"] for t in targets} == {out["PrivateSubnet1Id"], out["PrivateSubnet2Id"]}
    assert len({t["AvailabilityZoneName"] for t in targets}) == 2
    policy = json.loads(efs.describe_file_system_policy(FileSystemId=out["EFSFileSystemId"])["Policy"])
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (allow,) = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"]["AWS"] in (out["ECSTaskRoleArn"], [out["ECSTaskRoleArn"]])
    backup = efs.describe_backup_policy(FileSystemId=out["EFSFileSystemId"])["BackupPolicy"]
    assert backup["Status"] == "ENABLED"
    (ap,) = efs.describe_access_points(AccessPointId=out["EFSAccessPointId"])["AccessPoints"]
    assert ap["PosixUser"] == {"Uid": 1000, "Gid": 1000}
    assert ap["RootDirectory"]["Path"] == "/app"


def test_replan_shows_no_drift(deployment: Deployment) -> None:
    started = time.monotonic()
    assert deployment.terraform.plan_exit_code() == 0
    deployment.seconds["plan"] = time.monotonic() - started


def test_destroy_leaves_nothing_behind(deployment: Deployment) -> None:
    started = time.monotonic()
    deployment.terraform.destroy()
    deployment.seconds["destroy"] = time.monotonic() - started
    deployment.destroyed = True
    ec2, kms, logs, iam = (deployment.client(s) for s in ("ec2", "kms", "logs", "iam"))
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:Project", "Values": ["healthtech"]}])["Vpcs"] == []
    assert ec2.describe_subnets(Filters=[{"Name": "tag:Project", "Values": ["healthtech"]}])["Subnets"] == []
    assert ec2.describe_addresses()["Addresses"] == []
    nats = ec2.describe_nat_gateways()["NatGateways"]
    assert all(n["State"] in ("deleted", "deleting") for n in nats)
    assert ec2.describe_flow_logs()["FlowLogs"] == []
    assert logs.describe_log_groups(logGroupNamePrefix="/healthtech/")["logGroups"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("healthtech-")] == []
    assert [a for a in kms.list_aliases()["Aliases"] if a["AliasName"].startswith("alias/healthtech-")] == []
    rds, efs = deployment.client("rds"), deployment.client("efs")
    assert rds.describe_db_instances()["DBInstances"] == []
    assert rds.describe_db_snapshots()["DBSnapshots"] == []  # dev: no final snapshot left behind
    assert efs.describe_file_systems()["FileSystems"] == []
    for output in ("RDSKMSKeyId", "EFSKMSKeyId", "LogsKMSKeyId", "S3KMSKeyId", "SecretsKMSKeyId"):
        assert kms.describe_key(KeyId=deployment.outputs[output])["KeyMetadata"]["KeyState"] == "PendingDeletion"

"""Network and encryption of the deployed dev stack, checked with boto3."""

from __future__ import annotations

from typing import Any

import pytest

from config import ENVIRONMENTS
from tests.integration.conftest import Deployment

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]


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
        ("ecr", "ECRKMSKeyId"),
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

"""The listing a failed local destroy prints: the environment's live resources by service, no other's."""

from __future__ import annotations

from typing import Any

import boto3
from moto import mock_aws

from config.naming import stack_name
from tooling.local_leftovers import describe, held, named

REGION = "eu-south-1"


def _tagged(kind: str, environment: str, name: str) -> list[dict[str, Any]]:
    tags = [{"Key": "Stack", "Value": stack_name(environment)}, {"Key": "Name", "Value": name}]
    return [{"ResourceType": kind, "Tags": tags}]


@mock_aws
def test_lists_what_the_stack_still_holds_by_service_and_nothing_of_another_environment() -> None:
    def client(service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    ec2, made = client("ec2"), {}
    for environment in ("dev", "staging"):
        vpc_tags = _tagged("vpc", environment, f"healthtech-vpc-{environment}")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=vpc_tags)["Vpc"]["VpcId"]
        table = _tagged("route-table", environment, f"healthtech-public-rt-{environment}")
        route_table = ec2.create_route_table(VpcId=vpc, TagSpecifications=table)["RouteTable"]["RouteTableId"]
        made[environment] = (vpc, route_table)
        client("logs").create_log_group(logGroupName=f"/healthtech/{environment}/app")
        client("sns").create_topic(Name=f"healthtech-alerts-{environment}")
    key = client("kms").create_key(Tags=[{"TagKey": "Stack", "TagValue": stack_name("dev")}])["KeyMetadata"]["KeyId"]
    gone = client("kms").create_key(Tags=[{"TagKey": "Stack", "TagValue": stack_name("dev")}])["KeyMetadata"]["KeyId"]
    client("kms").schedule_key_deletion(KeyId=gone, PendingWindowInDays=7)

    ecs = client("ecs")
    ecs.create_cluster(clusterName="healthtech-cluster-dev")
    # A release's revision: registered outside the stack, kept by ECS after a destroy (not a leftover).
    container = [{"name": "app", "image": "app:1", "memory": 512}]
    ecs.register_task_definition(family="healthtech-migrate-dev", containerDefinitions=container)

    subnet = ec2.create_subnet(VpcId=made["dev"][0], CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    client("rds").create_db_subnet_group(
        DBSubnetGroupName="healthtech-db-subnets-dev", DBSubnetGroupDescription="d", SubnetIds=[subnet]
    )
    client("elbv2").create_target_group(Name="healthtech-tg-dev", Protocol="HTTP", Port=80, VpcId=made["dev"][0])
    client("kms").create_alias(AliasName="alias/healthtech-rds-dev", TargetKeyId=key)

    found = held(client, "dev")

    vpc, route_table = made["dev"]  # not the VPC's untagged main route table, nor staging's
    assert found["ec2"] == [f"route table {route_table} (healthtech-public-rt-dev)", f"vpc {vpc}"]
    assert found["logs"] == ["log group /healthtech/dev/app"]
    assert found["sns"] == ["topic healthtech-alerts-dev"]
    # the key pending deletion is gone, as far as a destroy is concerned
    assert found["kms"] == sorted([f"key {key}", "key alias alias/healthtech-rds-dev"])  # key ids are random
    assert found["rds"] == ["DB subnet group healthtech-db-subnets-dev"]
    assert found["elbv2"] == ["target group healthtech-tg-dev"]
    assert found["ecs"] == ["cluster healthtech-cluster-dev"]
    assert set(found) == {"ec2", "logs", "sns", "kms", "ecs", "rds", "elbv2"}
    assert "healthtech-public-rt-dev" in describe(found) and "staging" not in describe(found)


@mock_aws
def test_an_environment_with_nothing_left_lists_nothing() -> None:
    assert held(lambda service: boto3.client(service, region_name=REGION), "dev") == {}


def test_names_match_the_environment_as_a_whole_token_only() -> None:
    pattern = named("dev")
    assert all(pattern.search(n) for n in ("healthtech-db-dev", "/healthtech/dev/app", "healthtech-cluster-dev"))
    assert not any(pattern.search(n) for n in ("healthtech-db-devops", "healthtech-db-staging", "other-db-dev"))

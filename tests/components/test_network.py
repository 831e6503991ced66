from __future__ import annotations

import ipaddress
import json

from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc

from config import ENVIRONMENTS
from tests.conftest import Synth


def test_vpc_has_dns_support_and_hostnames_and_the_configured_cidr(each_env: tuple) -> None:
    config, synth = each_env
    assert synth.has(
        Vpc.TF_RESOURCE_TYPE,
        {
            "cidr_block": config.network.vpc_cidr,
            "enable_dns_support": True,
            "enable_dns_hostnames": True,
            "tags": {"Name": f"healthtech-vpc-{config.name}"},
        },
    )


def test_two_public_and_two_private_subnets_over_two_azs(each_env: tuple) -> None:
    config, synth = each_env
    subnets = list(synth.resources(Subnet.TF_RESOURCE_TYPE).values())
    by_tier: dict[str, list[tuple[str, str]]] = {"public": [], "private": []}
    for s in subnets:
        by_tier[s["tags"]["Tier"]].append((s["cidr_block"], s["availability_zone"]))
        assert s["map_public_ip_on_launch"] is False
    azs = ("eu-south-1a", "eu-south-1b")
    assert sorted(by_tier["public"]) == sorted(zip(config.network.public_subnet_cidrs, azs, strict=True))
    assert sorted(by_tier["private"]) == sorted(zip(config.network.private_subnet_cidrs, azs, strict=True))
    vpc = ipaddress.IPv4Network(config.network.vpc_cidr)
    assert all(ipaddress.IPv4Network(c).subnet_of(vpc) for c, _ in by_tier["public"] + by_tier["private"])


def test_dev_shares_one_nat_and_prod_has_one_per_az(dev: Synth, prod: Synth) -> None:
    assert len(dev.resources("aws_nat_gateway")) == 1
    assert len(dev.resources("aws_eip")) == 1
    assert len(prod.resources("aws_nat_gateway")) == 2
    assert len(prod.resources("aws_eip")) == 2
    prod_nat_subnets = {n["subnet_id"] for n in prod.resources("aws_nat_gateway").values()}
    assert prod_nat_subnets == {prod.ref("network/public-subnet-1"), prod.ref("network/public-subnet-2")}


def test_public_subnets_route_to_the_igw_and_private_ones_to_a_nat(each_env: tuple) -> None:
    config, synth = each_env
    igw = synth.ref("network/igw")
    public_rt = synth.ref("network/public-rt")
    routes = list(synth.resources("aws_route").values())
    public_routes = [r for r in routes if r["route_table_id"] == public_rt]
    assert public_routes == [{"route_table_id": public_rt, "destination_cidr_block": "0.0.0.0/0", "gateway_id": igw}]
    private = [r for r in routes if r not in public_routes]
    assert len(private) == 2
    assert all(
        r["destination_cidr_block"] == "0.0.0.0/0" and "aws_nat_gateway." in r["nat_gateway_id"] for r in private
    )
    nats_used = {r["nat_gateway_id"] for r in private}
    assert len(nats_used) == (2 if config.network.nat_gateway_per_az else 1)
    associations = synth.resources("aws_route_table_association").values()
    assert len(associations) == 4
    for i in (1, 2):
        subnet = synth.ref(f"network/public-subnet-{i}")
        assert {"subnet_id": subnet, "route_table_id": public_rt} in associations


def test_default_security_group_has_no_rules(each_env: tuple) -> None:
    _, synth = each_env
    default_sg = synth.only("aws_default_security_group")
    assert "ingress" not in default_sg and "egress" not in default_sg


def test_flow_logs_capture_all_traffic_into_a_kms_encrypted_log_group(each_env: tuple) -> None:
    config, synth = each_env
    group = synth.ref("network/flow-logs-log-group", "arn")
    logs_key = synth.ref("encryption/logs/key", "arn")
    assert synth.has(
        "aws_cloudwatch_log_group",
        {
            "name": f"/healthtech/{config.name}/vpc-flow-logs",
            "kms_key_id": logs_key,
            "retention_in_days": config.observability.log_retention_days,
        },
    )
    assert synth.has(
        FlowLog.TF_RESOURCE_TYPE,
        {
            "traffic_type": "ALL",
            "log_destination_type": "cloud-watch-logs",
            "log_destination": group,
            "max_aggregation_interval": config.network.flow_log_max_aggregation_seconds,
        },
    )


def test_flow_log_role_can_write_only_its_own_log_group(dev: Synth) -> None:
    group = dev.ref("network/flow-logs-log-group", "arn")
    policy = json.loads(dev.by_path("network/flow-logs-policy")["policy"])
    write, find = policy["Statement"]
    assert write["Sid"] == "WriteFlowLogGroup" and write["Resource"] == [group, f"{group}:*"]
    assert write["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    # DescribeLogGroups takes only "*" (it lists groups, no events); the allow_any_resource reason says so.
    assert find == {"Sid": "FindLogGroups", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"}
    trust = json.loads(dev.by_path("network/flow-logs-role")["assume_role_policy"])
    (assume,) = trust["Statement"]
    assert assume["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert "aws:SourceAccount" in assume["Condition"]["StringEquals"]


def test_prod_flow_logs_aggregate_every_minute() -> None:
    assert ENVIRONMENTS["prod"].network.flow_log_max_aggregation_seconds == 60
    assert ENVIRONMENTS["dev"].network.flow_log_max_aggregation_seconds == 600

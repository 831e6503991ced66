"""Re-plan (no drift) and destroy (nothing left) of the shared deployment; runs last."""

from __future__ import annotations

import time

import pytest

from config import ENVIRONMENTS
from tests.integration.conftest import Deployment

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]


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
    ecs, elb, ecr = deployment.client("ecs"), deployment.client("elbv2"), deployment.client("ecr")
    assert [
        c for c in ecs.describe_clusters(clusters=["healthtech-cluster-dev"])["clusters"] if c["status"] == "ACTIVE"
    ] == []
    assert elb.describe_load_balancers()["LoadBalancers"] == []
    assert elb.describe_target_groups()["TargetGroups"] == []
    assert ecr.describe_repositories()["repositories"] == []
    assert [
        b for b in deployment.client("s3").list_buckets()["Buckets"] if b["Name"].startswith("healthtech-alb")
    ] == []
    for output in ("RDSKMSKeyId", "EFSKMSKeyId", "LogsKMSKeyId", "S3KMSKeyId", "SecretsKMSKeyId", "ECRKMSKeyId"):
        assert kms.describe_key(KeyId=deployment.outputs[output])["KeyMetadata"]["KeyState"] == "PendingDeletion"

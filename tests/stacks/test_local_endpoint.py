"""Local mode: its settings stay out of real-AWS stacks, and each ignored attribute is still needed."""

from __future__ import annotations

import json
from typing import Any

import boto3
import cdktf
from moto import mock_aws

from config import ENVIRONMENTS
from stacks.local_endpoint import IGNORED_ON_LOCAL_ENDPOINT, LocalEndpoint
from stacks.platform_stack import PlatformStack
from tests.conftest import Synth

REGION = "eu-south-1"


def _local_dev(tmp_path: Any) -> dict[str, Any]:
    app = cdktf.App(outdir=str(tmp_path))
    stack = PlatformStack(app, ENVIRONMENTS["dev"], local=LocalEndpoint(url="http://127.0.0.1:5055"))
    return dict(json.loads(cdktf.Testing.synth(stack)))


def test_local_stack_ignores_exactly_the_listed_attributes_and_real_stacks_ignore_none(
    tmp_path: Any, synths: dict[str, Synth]
) -> None:
    local = _local_dev(tmp_path)
    ignoring = {
        (tf_type, name): tuple(r["lifecycle"]["ignore_changes"])
        for tf_type, resources in local["resource"].items()
        for name, r in resources.items()
        if "ignore_changes" in r.get("lifecycle", {})
    }
    dev = synths["dev"]
    expected = {}
    for entry in IGNORED_ON_LOCAL_ENDPOINT:
        tf_type, name = dev.address(entry.path).split(".")
        expected[(tf_type, name)] = entry.attributes
    assert ignoring == expected
    assert local["provider"]["aws"][0]["endpoints"][0]["rds"] == "http://127.0.0.1:5055"
    for synth in synths.values():
        assert "endpoints" not in synth.doc["provider"]["aws"][0]
        resources = [r for rs in synth.doc["resource"].values() for r in rs.values()]
        assert not [r for r in resources if "ignore_changes" in json.dumps(r)]


@mock_aws
def test_moto_still_drops_performance_insights_settings() -> None:
    """If this fails, moto stores Performance Insights: drop its entry from IGNORED_ON_LOCAL_ENDPOINT."""
    rds = boto3.client("rds", region_name=REGION)
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key()["KeyMetadata"]["Arn"]
    rds.create_db_instance(
        DBInstanceIdentifier="pi-check",
        DBInstanceClass="db.t4g.medium",
        Engine="postgres",
        MasterUsername="admin_user",
        ManageMasterUserPassword=True,
        AllocatedStorage=20,
        EnablePerformanceInsights=True,
        PerformanceInsightsKMSKeyId=key,
        PerformanceInsightsRetentionPeriod=93,
    )
    (instance,) = rds.describe_db_instances(DBInstanceIdentifier="pi-check")["DBInstances"]
    stored = (
        instance.get("PerformanceInsightsEnabled"),
        instance.get("PerformanceInsightsKMSKeyId"),
        instance.get("PerformanceInsightsRetentionPeriod"),
    )
    assert stored != (True, key, 93), "moto now stores Performance Insights"
    assert instance.get("PerformanceInsightsEnabled") is not True

"""Local mode: its settings stay out of real-AWS stacks, and each ignored attribute is still needed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import boto3
import cdktf
from moto import mock_aws

from components.source_seed import TEAM_OWNED
from config import ENVIRONMENTS
from stacks.local_endpoint import (
    BOUNDED_DELETE_TYPES,
    IGNORED_ON_LOCAL_ENDPOINT,
    LOCAL_DELETE_TIMEOUT,
    UNSET_ON_LOCAL_ENDPOINT,
    LocalEndpoint,
)
from stacks.platform_stack import PlatformStack
from tests.conftest import Synth
from tooling.terraform_cli import terraform_env

REGION = "eu-south-1"


OWNED_OUTSIDE_THE_APPLY = {
    "compute/scalable-target": ("min_capacity",),
    "delivery/source-seed": TEAM_OWNED,
}


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
    ecs_service = dev.address("compute/service").split(".")
    expected[(ecs_service[0], ecs_service[1])] = (
        "desired_count",
        "task_definition",
        *expected[(ecs_service[0], ecs_service[1])],
    )
    for path, attributes in OWNED_OUTSIDE_THE_APPLY.items():
        tf_type, name = dev.address(path).split(".")
        expected[(tf_type, name)] = attributes
    assert ignoring == expected
    assert local["provider"]["aws"][0]["endpoints"][0]["rds"] == "http://127.0.0.1:5055"
    for synth in synths.values():
        assert "endpoints" not in synth.doc["provider"]["aws"][0]
        ignored = {
            (tf_type, tuple(r["lifecycle"]["ignore_changes"]))
            for tf_type, resources in synth.doc["resource"].items()
            for r in resources.values()
            if "ignore_changes" in r.get("lifecycle", {})
        }
        # Only what the components ignore on purpose (autoscaling owns the count, the release the revision
        # and the minimum, the team's uploads the source archive).
        assert ignored == {
            (synth.address(path).split(".")[0], attributes) for path, attributes in OWNED_OUTSIDE_THE_APPLY.items()
        } | {("aws_ecs_service", ("desired_count", "task_definition"))}


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


@mock_aws
def test_moto_still_drops_the_ecs_service_settings_local_mode_ignores() -> None:
    """If this fails, moto stores one of them: drop it from IGNORED_ON_LOCAL_ENDPOINT."""
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="c")
    ecs.put_cluster_capacity_providers(
        cluster="c",
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )
    ecs.register_task_definition(
        family="t",
        containerDefinitions=[{"name": "app", "image": "app:1"}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    ecs.create_service(
        cluster="c",
        serviceName="s",
        taskDefinition="t",
        desiredCount=1,
        capacityProviderStrategy=[{"capacityProvider": "FARGATE", "base": 1, "weight": 1}],
        enableECSManagedTags=True,
        healthCheckGracePeriodSeconds=60,
        availabilityZoneRebalancing="ENABLED",
    )
    (service,) = ecs.describe_services(cluster="c", services=["s"])["services"]
    stored = {
        key: service.get(key)
        for key in (
            "capacityProviderStrategy",
            "enableECSManagedTags",
            "healthCheckGracePeriodSeconds",
            "availabilityZoneRebalancing",
        )
    }
    assert stored == dict.fromkeys(stored), f"moto now stores some of {stored}"


def test_local_stack_leaves_out_exactly_the_slow_arguments(tmp_path: Any, synths: dict[str, Synth]) -> None:
    local = _local_dev(tmp_path)
    for entry in UNSET_ON_LOCAL_ENDPOINT:
        local_resources = local["resource"][entry.resource_type]
        real_resources = synths["dev"].doc["resource"][entry.resource_type]
        assert local_resources and set(local_resources) == set(real_resources)
        for name, resource in local_resources.items():
            assert resource.get(entry.attribute) is None, (name, entry.attribute)
            assert real_resources[name].get(entry.attribute) is not None
            others = {k: v for k, v in resource.items() if k not in (entry.attribute, "lifecycle", "timeouts", "//")}
            assert others == {k: v for k, v in real_resources[name].items() if k not in (entry.attribute, "//")}


def test_local_stack_bounds_the_deletes_of_exactly_the_listed_types_and_real_stacks_none(
    tmp_path: Any, synths: dict[str, Synth]
) -> None:
    local = _local_dev(tmp_path)
    bounded = {
        (tf_type, name): r["timeouts"]
        for tf_type, resources in local["resource"].items()
        for name, r in resources.items()
        if "timeouts" in r
    }
    expected = {
        (tf_type, name): {"delete": LOCAL_DELETE_TIMEOUT}
        for tf_type, resources in local["resource"].items()
        if tf_type in BOUNDED_DELETE_TYPES
        for name in resources
    }
    assert bounded == expected
    assert {"aws_db_instance", "aws_security_group", "aws_subnet", "aws_route_table"} <= {t for t, _ in bounded}
    for synth in synths.values():
        resources = [r for of_type in synth.doc["resource"].values() for r in of_type.values()]
        assert not [r for r in resources if "timeouts" in r]


def test_bounded_types_are_every_type_of_the_stack_whose_schema_has_a_delete_timeout(
    synthesized_app: tuple[Path, dict[str, Synth]], tf_cli_config: Path, tmp_path: Path
) -> None:
    # The provider's own schema, not a list kept by hand: a resource type added to the stack with a
    # delete timeout (an ElastiCache group, a backup vault) gets the short local bound or fails here.
    _, synths = synthesized_app
    # A configuration of the stacks' own provider requirement and nothing else (no backend to reach).
    providers = {"terraform": {"required_providers": synths["prod"].doc["terraform"]["required_providers"]}}
    (tmp_path / "main.tf.json").write_text(json.dumps(providers))
    stack_dir = tmp_path
    env = terraform_env(tf_cli_config)
    init = ["terraform", "init", "-input=false", "-no-color"]
    subprocess.run(init, cwd=stack_dir, env=env, check=True, capture_output=True)
    schema = subprocess.run(
        ["terraform", "providers", "schema", "-json"], cwd=stack_dir, env=env, capture_output=True, text=True
    )
    assert schema.returncode == 0, schema.stderr
    raw = schema.stdout
    (schemas,) = json.loads(raw)["provider_schemas"].values()
    ours = {t for synth in synths.values() for t in synth.doc["resource"]}
    with_delete_timeout = {
        t
        for t in ours
        if "delete"
        in schemas["resource_schemas"][t]["block"]
        .get("block_types", {})
        .get("timeouts", {})
        .get("block", {})
        .get("attributes", {})
    }
    assert sorted(with_delete_timeout) == sorted(BOUNDED_DELETE_TYPES)

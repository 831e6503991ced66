"""Production keeps its stateful resources protected from deletion and spread over Availability Zones."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from tests.policy.resources import resource_classes, resources, unregistered

# type -> arguments that must be true in prod
PROD_REQUIRES: dict[str, tuple[str, ...]] = {
    "aws_db_instance": ("deletion_protection", "multi_az"),
    "aws_rds_cluster": ("deletion_protection",),
    "aws_lb": ("enable_deletion_protection",),
}
# Types that hold state but have no protection flag to require, and what protects them instead.
PROTECTED_OTHERWISE: dict[str, str] = {
    "aws_efs_file_system": "no deletion flag in the API; daily AWS Backup (aws_efs_backup_policy) keeps its data",
    "aws_s3_bucket": "force_destroy is the environment's force_destroy (dev only); versioning keeps old objects",
    "aws_ecr_repository": "force_delete is the environment's force_destroy (dev only); images rebuild from source",
    "aws_kms_key": "deletion waits key_deletion_window_days (7-30, validated) and can be cancelled",
}
# Types whose force_destroy/force_delete argument is about their own children, not stored data.
NOT_STATEFUL: dict[str, str] = {
    "aws_cloudwatch_event_rule": "force_destroy removes managed rules of the rule, no data",
    "aws_cloudwatch_event_target": "force_destroy removes managed targets, no data",
    "aws_ecs_service": "force_delete stops tasks; the service holds no data",
    "aws_s3_object": "the seeded source archive, a copy of this repository's app/; force_destroy concerns "
    "Object Lock only, which the artifact bucket does not use",
}
# Arguments only a type that holds state (or protects it) has; an unknown type with one fails closed.
STATE_TELLTALES = frozenset(
    {
        "deletion_protection",
        "enable_deletion_protection",
        "deletion_protection_enabled",
        "skip_final_snapshot",
        "final_snapshot_identifier",
        "snapshot_retention_limit",
        "backup_retention_period",
        "force_destroy",
        "force_delete",
        "deletion_window_in_days",
        "protection",
    }
)
REGISTRY = "tests/policy/test_resilience.py PROD_REQUIRES, PROTECTED_OTHERWISE or NOT_STATEFUL"


def unregistered_stateful(classes: Mapping[str, type]) -> list[str]:
    return unregistered(classes, STATE_TELLTALES, {**PROD_REQUIRES, **PROTECTED_OTHERWISE, **NOT_STATEFUL}, REGISTRY)


def prod_problems(doc: dict[str, Any]) -> list[str]:
    problems = [
        f"{resource.address}: {argument} is {resource.body.get(argument)!r}; prod requires true"
        for tf_type, arguments in PROD_REQUIRES.items()
        for resource in resources(doc, tf_type)
        for argument in arguments
        if resource.body.get(argument) is not True
    ]
    nat_gateways = list(resources(doc, "aws_nat_gateway"))
    public_subnets = [s for s in resources(doc, "aws_subnet") if s.body.get("tags", {}).get("Tier") == "public"]
    if len(nat_gateways) < len(public_subnets):
        problems.append(f"{len(nat_gateways)} NAT gateway(s) for {len(public_subnets)} AZs; prod needs one per AZ")
    return problems


def test_prod_is_protected_and_multi_az(stack_docs: dict[str, Any]) -> None:
    doc = stack_docs["prod"]
    assert prod_problems(doc) == []
    (database,) = doc["resource"]["aws_db_instance"].values()
    assert (database["deletion_protection"], database["multi_az"], database["skip_final_snapshot"]) == (
        True,
        True,
        False,
    )


def test_dev_differs_only_where_its_settings_say(stack_docs: dict[str, Any]) -> None:
    problems = prod_problems(stack_docs["dev"])
    assert [p.split(": ", 1)[-1] for p in problems] == [
        "deletion_protection is False; prod requires true",
        "multi_az is False; prod requires true",
        "enable_deletion_protection is False; prod requires true",
        "1 NAT gateway(s) for 2 AZs; prod needs one per AZ",
    ]


def test_planted_unprotected_load_balancer_is_caught(stack_docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(stack_docs["prod"])
    doc["resource"]["aws_lb"] = {"alb": {"name": "healthtech-alb-prod", "internal": False}}
    assert prod_problems(doc) == ["aws_lb.alb: enable_deletion_protection is None; prod requires true"]


def test_every_stateful_type_is_registered(synths: dict) -> None:
    for synth in synths.values():
        assert unregistered_stateful(resource_classes(synth.stack)) == []


def test_an_unregistered_stateful_type_fails_closed() -> None:
    from cdktf_cdktf_provider_aws.elasticache_replication_group import ElasticacheReplicationGroup

    import components  # noqa: F401  (loads the provider bindings lazily)

    assert unregistered_stateful({"aws_elasticache_replication_group": ElasticacheReplicationGroup}) == [
        "aws_elasticache_replication_group has final_snapshot_identifier, snapshot_retention_limit but is not "
        f"registered in {REGISTRY}"
    ]

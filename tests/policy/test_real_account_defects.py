"""Defects a real account rejects or silently breaks on, though moto and ``terraform validate`` pass them
(issue 12). Each test reads the synthesized JSON by resource type and attribute, never by construct path,
and failed on the code before the fix."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import cdktf
import pytest

from components.database import FIRST_ENGINE_VERSION, PARAMETER_GROUP_DESCRIPTION
from config import ENVIRONMENTS, ConfigError, validate
from config.naming import NAME_RULES, Kind
from config.settings import DatabaseSettings, EnvironmentConfig, LoadBalancerSettings
from main import build_stacks
from tests.conftest import Synth

EVENTS = "events.amazonaws.com"


def _synth(config: EnvironmentConfig) -> Synth:
    app = cdktf.Testing.app()
    (stack,) = build_stacks(app, [config])
    return Synth(stack)


def _statements(policy: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(policy)["Statement"]
    return statements


def _by_tag(synth: Synth, tf_type: str, tag: str, value: str) -> dict[str, Any]:
    (found,) = [r for r in synth.resources(tf_type).values() if r.get("tags", {}).get(tag) == value]
    return found


def _principal_services(statement: dict[str, Any]) -> list[str]:
    services = statement.get("Principal", {}).get("Service", [])
    return [services] if isinstance(services, str) else list(services)


# 1. EventBridge -> encrypted SNS topic
def test_eventbridge_may_use_the_topic_key_without_source_conditions(each_env: tuple) -> None:
    _, synth = each_env
    key = _by_tag(synth, "aws_kms_key", "Purpose", "sns")
    events = [s for s in _statements(key["policy"]) if EVENTS in _principal_services(s)]
    assert len(events) == 1
    (statement,) = events
    assert statement["Effect"] == "Allow"
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(statement["Action"])
    # The SNS developer guide: aws:SourceAccount / aws:SourceArn are not supported for this delivery.
    assert "Condition" not in statement
    # CloudWatch alarms keep their confused-deputy guard.
    (cloudwatch,) = [s for s in _statements(key["policy"]) if "cloudwatch.amazonaws.com" in _principal_services(s)]
    assert list(cloudwatch["Condition"]["StringEquals"]) == ["aws:SourceAccount"]


# 2. artifact expiry spares the source archive
def _artifact_bucket_id(synth: Synth) -> str:
    (pipeline,) = synth.resources("aws_codepipeline").values()
    bucket_name = pipeline["artifact_store"][0]["location"]
    for logical_id in synth.resources("aws_s3_bucket"):
        if bucket_name == f"${{aws_s3_bucket.{logical_id}.bucket}}":
            return f"${{aws_s3_bucket.{logical_id}.id}}"
    raise AssertionError(bucket_name)


def test_only_pipeline_artifacts_expire_never_the_source_archive(each_env: tuple) -> None:
    config, synth = each_env
    bucket = _artifact_bucket_id(synth)
    (lifecycle,) = [
        r for r in synth.resources("aws_s3_bucket_lifecycle_configuration").values() if r["bucket"] == bucket
    ]
    expiring = [rule for rule in lifecycle["rule"] if rule.get("expiration")]
    assert len(expiring) == 1
    (rule,) = expiring
    assert rule["expiration"][0]["days"] == config.delivery.artifact_retention_days
    prefix = rule["filter"][0]["prefix"]
    assert prefix == "healthtech-pipeline-"  # the first 20 characters of healthtech-pipeline-{env}
    assert not config.delivery.source_object_key.startswith(prefix)
    # Old versions of everything (the source archive included) still expire.
    assert any(r.get("noncurrent_version_expiration") and r["filter"][0]["prefix"] == "" for r in lifecycle["rule"])


# 3. create_before_destroy never meets a fixed name
def test_no_security_group_is_replaced_create_before_destroy_under_a_fixed_name(each_env: tuple) -> None:
    _, synth = each_env
    groups = synth.resources("aws_security_group")
    assert len(groups) == 4
    for group in groups.values():
        # Names kept (name_prefix would replace every deployed group); create-before-destroy dropped.
        assert group["name"].startswith("healthtech-")
        assert not group.get("lifecycle", {}).get("create_before_destroy")


def _with_engine(version: str) -> EnvironmentConfig:
    dev = ENVIRONMENTS["dev"]
    return dataclasses.replace(dev, database=dataclasses.replace(dev.database, engine_version=version))


def test_a_new_parameter_group_family_gets_a_new_name() -> None:
    upgraded = _synth(_with_engine("17"))
    group = upgraded.only("aws_db_parameter_group")
    assert group["family"] == "postgres17"
    assert group["name"] == "healthtech-db-params-pg17-dev"
    assert group["lifecycle"]["create_before_destroy"] is True
    (group_id,) = upgraded.resources("aws_db_parameter_group")
    assert upgraded.only("aws_db_instance")["parameter_group_name"] == f"${{aws_db_parameter_group.{group_id}.name}}"


def test_no_replacement_of_the_parameter_group_reuses_its_name() -> None:
    """The group is replaced create-before-destroy when its family or description changes (provider docs:
    "Forces new resource"), so every engine version the settings allow names its group apart, and all
    share the one description: a name determines everything that replaces the group."""
    versions = [FIRST_ENGINE_VERSION, *(p.removeprefix("pg") for p in NAME_RULES[Kind.DB_PARAMS_VERSIONED].purposes)]
    allowed = []
    for major in range(10, 20):
        try:
            validate(_with_engine(str(major)))
            allowed.append(str(major))
        except ConfigError:
            pass
    assert sorted(versions) == allowed  # the catalogue names a group for every version validation allows
    by_name: dict[str, set[tuple[str, str]]] = {}
    for version in versions:
        group = _synth(_with_engine(version)).only("aws_db_parameter_group")
        assert group["lifecycle"]["create_before_destroy"] is True
        assert "name_prefix" not in group
        by_name.setdefault(group["name"], set()).add((group["family"], group["description"]))
    assert len(by_name) == len(versions)
    assert {identity for identities in by_name.values() for identity in identities} == {
        (f"postgres{v}", PARAMETER_GROUP_DESCRIPTION) for v in versions
    }


def test_existing_parameter_groups_keep_their_name(each_env: tuple) -> None:
    config, synth = each_env
    assert DatabaseSettings().engine_version == "16"
    assert synth.only("aws_db_parameter_group")["name"] == f"healthtech-db-params-{config.name}"


# 4. ordering
def _refs(resource: dict[str, Any]) -> set[str]:
    return set(resource.get("depends_on", []))


def test_ecs_service_waits_for_execution_role_policies_mount_targets_and_nat_routes(each_env: tuple) -> None:
    _, synth = each_env
    service = synth.only("aws_ecs_service")
    depends = _refs(service)
    (execution_role_id,) = [
        k for k, r in synth.resources("aws_iam_role").items() if r["name"].startswith("healthtech-execution-role-")
    ]
    policies = {
        f"aws_iam_role_policy.{k}"
        for k, r in synth.resources("aws_iam_role_policy").items()
        if r["role"] == f"${{aws_iam_role.{execution_role_id}.id}}"
    }
    assert len(policies) >= 2  # image pull, logs (no secret: the app logs in with IAM tokens)
    assert policies <= depends
    assert {f"aws_efs_mount_target.{k}" for k in synth.resources("aws_efs_mount_target")} <= depends
    nat_routes = {f"aws_route.{k}" for k, r in synth.resources("aws_route").items() if "nat_gateway_id" in r}
    assert len(nat_routes) == 2 and nat_routes <= depends


def test_rds_waits_for_the_enhanced_monitoring_policy_attachment(prod: Synth) -> None:
    instance = prod.only("aws_db_instance")
    (attachment_id,) = [
        k
        for k, r in prod.resources("aws_iam_role_policy_attachment").items()
        if r["policy_arn"].endswith(":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")
    ]
    assert f"aws_iam_role_policy_attachment.{attachment_id}" in _refs(instance)


# 5. WAF log redaction
def test_waf_logs_redact_credentials_and_query_strings(each_env: tuple) -> None:
    _, synth = each_env
    logging = synth.only("aws_wafv2_web_acl_logging_configuration")
    redacted = logging["redacted_fields"]
    headers = {f["single_header"]["name"] for f in redacted if "single_header" in f}
    assert headers == {"authorization", "cookie"}
    assert any("query_string" in f for f in redacted)


# 6. the build cannot rewrite its own source
def test_build_role_writes_only_under_the_pipeline_artifact_prefix(each_env: tuple) -> None:
    config, synth = each_env
    (build_role_id,) = [
        k for k, r in synth.resources("aws_iam_role").items() if r["name"].startswith("healthtech-build-role-")
    ]
    statements = [
        s
        for r in synth.resources("aws_iam_role_policy").values()
        if r["role"] == f"${{aws_iam_role.{build_role_id}.id}}"
        for s in _statements(r["policy"])
    ]
    writes = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert writes
    for statement in writes:
        assert statement["Resource"].endswith("/healthtech-pipeline-*"), statement["Resource"]
        assert config.delivery.source_object_key not in statement["Resource"]


# 7. alarm subscribers: see tests/config/test_account.py (validation); here the shipped stacks
@pytest.mark.parametrize("env", ["staging", "prod"])
def test_staging_and_prod_subscribe_a_real_mailbox(synths: dict[str, Synth], env: str) -> None:
    (subscription,) = synths[env].resources("aws_sns_topic_subscription").values()
    assert subscription["protocol"] == "email"
    domain = subscription["endpoint"].rsplit("@", 1)[1]
    assert not domain.endswith((".example", ".test", "example.com", "example.org", "example.net"))


# 8. managed rule group actions are settings, count-first
def _group_actions(synth: Synth) -> dict[str, str]:
    acl = synth.only("aws_wafv2_web_acl")
    return {
        r["statement"][0]["managed_rule_group_statement"][0]["name"]: next(iter(r["override_action"][0]))
        for r in acl["rule"]
        if "override_action" in r
    }


def test_a_new_environment_counts_before_it_blocks() -> None:
    staging = ENVIRONMENTS["staging"]
    new = dataclasses.replace(
        staging,
        name="qa",
        network=dataclasses.replace(staging.network, vpc_cidr="10.40.0.0/16",
                                    public_subnet_cidrs=("10.40.0.0/24", "10.40.1.0/24"),
                                    private_subnet_cidrs=("10.40.10.0/24", "10.40.11.0/24")),
        load_balancer=LoadBalancerSettings(certificate_arn=None, domain_name="qa.healthtech-platform.com",
                                           hosted_zone="healthtech-platform.com"),
    )  # fmt: skip
    actions = _group_actions(_synth(new))
    assert len(actions) == 5 and set(actions.values()) == {"count"}


def test_shipped_environments_keep_blocking(each_env: tuple) -> None:
    _, synth = each_env
    assert set(_group_actions(synth).values()) == {"none"}  # "none": the group's own block actions apply

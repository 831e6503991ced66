"""Every encryptable resource is encrypted with one of the stack's own customer-managed KMS keys.

The rules are by Terraform type; a type whose provider schema has a KMS or encryption argument but no
rule here fails the test, so a new encryptable resource must say how it is encrypted before it ships.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import cdktf

from components.compliance import CHECKOV_SKIP, COMMENT, annotations_of
from tests.conftest import Synth
from tests.policy.resources import Resource, addresses, first, references, refers_to, resources


@dataclass(frozen=True)
class KeyRule:
    keys: tuple[str, ...]
    """Dotted argument paths (nested blocks by name) that must reference one of the stack's keys."""
    flags: dict[str, Any] = field(default_factory=dict)
    """Arguments that must hold exactly these values (e.g. ``storage_encrypted: true``)."""
    when: dict[str, str] = field(default_factory=dict)
    """Key paths required only when a feature argument is on, e.g. the Performance Insights key."""


RULES: dict[str, KeyRule] = {
    "aws_db_instance": KeyRule(
        ("kms_key_id",),
        {"storage_encrypted": True},
        {
            "performance_insights_kms_key_id": "performance_insights_enabled",
            "master_user_secret_kms_key_id": "manage_master_user_password",
        },
    ),
    "aws_rds_cluster": KeyRule(("kms_key_id",), {"storage_encrypted": True}),
    "aws_efs_file_system": KeyRule(("kms_key_id",), {"encrypted": True}),
    "aws_cloudwatch_log_group": KeyRule(("kms_key_id",)),
    "aws_sns_topic": KeyRule(("kms_master_key_id",)),
    "aws_sqs_queue": KeyRule(("kms_master_key_id",)),
    "aws_secretsmanager_secret": KeyRule(("kms_key_id",)),
    "aws_ecr_repository": KeyRule(
        ("encryption_configuration.kms_key",), {"encryption_configuration.encryption_type": "KMS"}
    ),
    "aws_codebuild_project": KeyRule(("encryption_key",)),
    "aws_s3_object": KeyRule(("kms_key_id",)),
    "aws_codepipeline": KeyRule(("artifact_store.encryption_key.id",), {"artifact_store.encryption_key.type": "KMS"}),
    "aws_s3_bucket_server_side_encryption_configuration": KeyRule(
        ("rule.apply_server_side_encryption_by_default.kms_master_key_id",),
        {"rule.apply_server_side_encryption_by_default.sse_algorithm": "aws:kms"},
    ),
    "aws_dynamodb_table": KeyRule(("server_side_encryption.kms_key_arn",), {"server_side_encryption.enabled": True}),
    "aws_ebs_volume": KeyRule(("kms_key_id",), {"encrypted": True}),
}
# A bucket whose component declared (components.compliance.suppress, with its reason) that it cannot use
# KMS, e.g. the ALB access-log archive: ALB log delivery and S3 access logging accept only SSE-S3.
SSE_S3_CHECK = "CKV_AWS_145"
# Types with a KMS/encryption argument that hold no data of their own to encrypt, and why.
NOTHING_TO_ENCRYPT: dict[str, str] = {
    "aws_kms_key": "is the key",
    "aws_kms_alias": "names a key",
    "aws_s3_bucket": "encrypted by its aws_s3_bucket_server_side_encryption_configuration (checked below)",
}


def value_at(body: dict[str, Any], path: str) -> Any:
    node: Any = body
    for part in path.split("."):
        node = first(node).get(part) if isinstance(node, (dict, list)) else None
    return node


def own_key(doc: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` is a reference to a KMS key (or alias of one) declared in this stack."""
    if not isinstance(value, str):
        return False
    keys = addresses(doc, "aws_kms_key") | addresses(doc, "aws_kms_alias")
    found = references(value)
    return len(found) == 1 and found[0] in keys and value.startswith("${") and value.endswith("}")


def encryption_problems(doc: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    sse_s3_buckets = {
        b.address
        for b in resources(doc, "aws_s3_bucket")
        if annotations_of({COMMENT: b.comment}, CHECKOV_SKIP).get(SSE_S3_CHECK, "").strip()
    }
    for resource in resources(doc):
        rule = RULES.get(resource.tf_type)
        if resource.tf_type == "aws_s3_bucket_server_side_encryption_configuration" and any(
            target in sse_s3_buckets for target in refers_to(resource.body.get("bucket"), "aws_s3_bucket")
        ):
            continue
        if rule is not None:
            problems.extend(_rule_problems(doc, resource, rule))
    encrypted_buckets = {
        target
        for r in resources(doc, "aws_s3_bucket_server_side_encryption_configuration")
        for target in refers_to(r.body.get("bucket"), "aws_s3_bucket")
    }
    for bucket in resources(doc, "aws_s3_bucket"):
        if bucket.address not in encrypted_buckets:
            problems.append(f"{bucket.address}: no aws_s3_bucket_server_side_encryption_configuration with our key")
    return problems


def _rule_problems(doc: dict[str, Any], resource: Resource, rule: KeyRule) -> list[str]:
    problems = [
        f"{resource.address}: {path} is {value_at(resource.body, path)!r}; it must be {want!r}"
        for path, want in rule.flags.items()
        if value_at(resource.body, path) != want
    ]
    required = [*rule.keys, *(k for k, feature in rule.when.items() if resource.body.get(feature) is True)]
    for path in required:
        value = value_at(resource.body, path)
        if not own_key(doc, value):
            problems.append(f"{resource.address}: {path} is {value!r}; it must reference one of the stack's KMS keys")
    return problems


def unregistered_types(stack: cdktf.TerraformStack) -> set[str]:
    """Types in ``stack`` whose schema can take a key or an encryption setting but that no rule covers."""
    found = set()
    for element in stack.node.find_all():
        if not isinstance(element, cdktf.TerraformResource):
            continue
        tf_type = element.terraform_resource_type
        arguments = [a for a in dir(type(element)) if not a.startswith(("_", "put", "reset")) and "input" not in a]
        if any("kms" in a or "encrypt" in a for a in arguments) and tf_type not in {*RULES, *NOTHING_TO_ENCRYPT}:
            found.add(tf_type)
    return found


def test_every_encryptable_resource_uses_one_of_our_keys(each_env: tuple, stack_docs: dict[str, Any]) -> None:
    config, synth = each_env
    doc = stack_docs[config.name]
    assert unregistered_types(synth.stack) == set(), "add a KeyRule (or NOTHING_TO_ENCRYPT entry) for these types"
    assert encryption_problems(doc) == []
    covered = {r.tf_type for r in resources(doc) if r.tf_type in RULES}
    assert {"aws_db_instance", "aws_efs_file_system", "aws_cloudwatch_log_group"} <= covered


def test_planted_encryption_violations_are_caught(stack_docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(stack_docs["dev"])
    database = next(iter(doc["resource"]["aws_db_instance"].values()))
    database["storage_encrypted"] = False
    database["performance_insights_kms_key_id"] = None
    log_group = next(iter(doc["resource"]["aws_cloudwatch_log_group"].values()))
    log_group["kms_key_id"] = "arn:aws:kms:eu-south-1:123456789012:alias/aws/logs"  # an AWS-managed key
    doc["resource"]["aws_s3_bucket"]["bucket"] = {"bucket": "healthtech-artifacts-dev"}
    problems = encryption_problems(doc)
    assert [p.split(": ", 1)[1].split(" is ")[0] for p in problems] == [
        "kms_key_id",
        "storage_encrypted",
        "performance_insights_kms_key_id",
        "no aws_s3_bucket_server_side_encryption_configuration with our key",
    ], problems


def test_a_new_encryptable_type_without_a_rule_is_caught(dev: Synth, monkeypatch: Any) -> None:
    monkeypatch.delitem(RULES, "aws_efs_file_system")
    assert unregistered_types(dev.stack) == {"aws_efs_file_system"}


def test_keys_of_another_stack_or_account_are_not_ours(stack_docs: dict[str, Any]) -> None:
    doc = stack_docs["prod"]
    key = sorted(addresses(doc, "aws_kms_key"))[0]
    assert own_key(doc, f"${{{key}.arn}}")
    assert not own_key(doc, "${aws_kms_key.someone_elses.arn}")
    assert not own_key(doc, "alias/aws/rds")
    assert not own_key(doc, None)

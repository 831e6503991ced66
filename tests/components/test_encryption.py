from __future__ import annotations

import json
from typing import Any

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey

from tests.conftest import Synth

PURPOSES = ("rds", "efs", "logs", "s3", "secrets", "ecr", "sns")


def _policy(synth: Synth, purpose: str) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(synth.by_path(f"encryption/{purpose}/key")["policy"])
    return policy


def test_one_rotating_key_per_purpose_with_the_environment_deletion_window(each_env: tuple) -> None:
    config, synth = each_env
    keys = synth.resources(KmsKey.TF_RESOURCE_TYPE)
    assert sorted(k["tags"]["Purpose"] for k in keys.values()) == sorted(PURPOSES)
    for key in keys.values():
        assert key["enable_key_rotation"] is True
        assert key["deletion_window_in_days"] == config.encryption.key_deletion_window_days


def test_aliases_follow_the_naming_scheme(each_env: tuple) -> None:
    config, synth = each_env
    for purpose in PURPOSES:
        assert synth.has(
            KmsAlias.TF_RESOURCE_TYPE,
            {
                "name": f"alias/healthtech-{purpose}-{config.name}",
                "target_key_id": synth.ref(f"encryption/{purpose}/key", "key_id"),
            },
        )


def test_dev_keys_are_deleted_after_7_days_prod_after_30(dev: Synth, prod: Synth) -> None:
    assert {k["deletion_window_in_days"] for k in dev.resources(KmsKey.TF_RESOURCE_TYPE).values()} == {7}
    assert {k["deletion_window_in_days"] for k in prod.resources(KmsKey.TF_RESOURCE_TYPE).values()} == {30}


def test_no_principal_can_use_a_key_except_through_its_service(each_env: tuple) -> None:
    _, synth = each_env
    for purpose in PURPOSES:
        for statement in _policy(synth, purpose)["Statement"]:
            actions = set(statement["Action"])
            uses = actions & {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:*"}
            # The one documented exception: EventBridge's KMS calls for an encrypted SNS target carry no
            # aws:SourceAccount/SourceArn (SNS developer guide), so its statement cannot require them.
            if uses and statement["Sid"] != "EventBridgeRulesPublishToEncryptedTopics":
                assert "Condition" in statement, (purpose, statement["Sid"])
            assert "kms:*" not in actions


def test_data_keys_are_usable_only_via_their_service_in_this_region(dev: Synth) -> None:
    expected = {"rds": "rds", "efs": "elasticfilesystem", "s3": "s3", "secrets": "secretsmanager"}
    for purpose, service in expected.items():
        (use,) = [s for s in _policy(dev, purpose)["Statement"] if s["Sid"] == "AccountUsesKeyOnlyThroughServices"]
        assert use["Condition"]["StringEquals"]["kms:ViaService"] == [
            f"{service}.eu-south-1.{dev.ref('context/partition', 'dns_suffix')}"
        ]


def test_logs_key_lets_cloudwatch_logs_of_this_region_and_account_use_it(dev: Synth) -> None:
    (logs,) = [s for s in _policy(dev, "logs")["Statement"] if "Service" in s["Principal"]]
    assert logs["Principal"] == {"Service": f"logs.eu-south-1.{dev.ref('context/partition', 'dns_suffix')}"}
    # StringLike: the encryption-context key is String-typed (SAR); no DescribeKey, which carries no context.
    arn = logs["Condition"]["StringLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert arn.startswith("arn:") and ":logs:eu-south-1:" in arn and arn.endswith(":log-group:*")
    assert logs["Action"] == ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"]
    # Only the logs key admits the CloudWatch Logs service.
    for purpose in ("rds", "efs", "s3", "secrets"):
        assert all("Service" not in s["Principal"] for s in _policy(dev, purpose)["Statement"])

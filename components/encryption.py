"""Customer-managed KMS keys, one per purpose, each usable only by the services that need it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from components.aws_context import AwsContext
from config.naming import Namer
from config.settings import EncryptionSettings

# Key administration without the power to use the key: the account can manage (and so never lose)
# the key through IAM, while encrypt/decrypt is granted only through the statements below.
_ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
]
_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


@dataclass(frozen=True)
class KeyPurpose:
    """A key's purpose and the AWS services allowed to use it on the account's behalf."""

    name: str
    description: str
    via_services: tuple[str, ...] = ()
    """Services that use the key for principals of this account (``kms:ViaService``)."""
    logs_service: bool = False
    """Whether CloudWatch Logs itself may use the key, for log groups of this account and region."""
    publishing_services: tuple[str, ...] = ()
    """Services that publish into an encrypted SNS topic on this account's behalf (``aws:SourceAccount``)."""
    eventbridge_publishes: bool = False
    """Whether EventBridge rules may publish into an encrypted SNS topic (its own statement, see below)."""


PURPOSES: tuple[KeyPurpose, ...] = (
    KeyPurpose("rds", "RDS PostgreSQL storage, snapshots and Performance Insights", via_services=("rds",)),
    KeyPurpose("efs", "EFS file system data at rest", via_services=("elasticfilesystem",)),
    KeyPurpose("logs", "CloudWatch Logs log groups", logs_service=True),
    KeyPurpose("s3", "S3 buckets (pipeline artifacts)", via_services=("s3",)),
    KeyPurpose("secrets", "Secrets Manager secrets (the RDS-managed master secret)", via_services=("secretsmanager",)),
    KeyPurpose("ecr", "ECR container images", via_services=("ecr",)),
    KeyPurpose(
        "sns",
        "SNS alarm topic",
        via_services=("sns",),
        publishing_services=("cloudwatch.amazonaws.com",),
        eventbridge_publishes=True,
    ),
)


class EncryptionKey(Construct):
    """A KMS key with rotation on, an ``alias/healthtech-{purpose}-{env}`` alias and a scoped policy."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        purpose: KeyPurpose,
        settings: EncryptionSettings,
        namer: Namer,
        aws: AwsContext,
    ) -> None:
        super().__init__(scope, id)
        self.purpose = purpose.name
        self.key = KmsKey(
            self,
            "key",
            description=f"{namer.name('key', purpose=purpose.name)}: {purpose.description}",
            enable_key_rotation=True,
            deletion_window_in_days=settings.key_deletion_window_days,
            policy=json.dumps(_key_policy(purpose, aws)),
            tags={"Name": namer.name("key", purpose=purpose.name), "Purpose": purpose.name},
        )
        self.alias = KmsAlias(
            self, "alias", name=namer.name("key-alias", purpose=purpose.name), target_key_id=self.key.key_id
        )

    @property
    def arn(self) -> str:
        return self.key.arn

    @property
    def key_id(self) -> str:
        return self.key.key_id

    def decrypt_statement(self) -> dict[str, Any]:
        """An IAM policy statement granting decrypt on this key only (for roles reading its data)."""
        return {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": self.arn}

    def encrypt_decrypt_statement(self) -> dict[str, Any]:
        """An IAM policy statement granting data-key use on this key only (for roles writing its data)."""
        return {"Effect": "Allow", "Action": _USE_ACTIONS, "Resource": self.arn}


def _key_policy(purpose: KeyPurpose, aws: AwsContext) -> dict[str, Any]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministersKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": aws.root_principal},
            "Action": _ADMIN_ACTIONS,
            "Resource": "*",  # in a key policy "*" means this key
        }
    ]
    if purpose.via_services:
        statements.append(
            {
                "Sid": "AccountUsesKeyOnlyThroughServices",
                "Effect": "Allow",
                "Principal": {"AWS": aws.root_principal},
                "Action": [*_USE_ACTIONS, "kms:CreateGrant", "kms:ListGrants"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": aws.account_id,
                        "kms:ViaService": [aws.service_principal(s) for s in purpose.via_services],
                    }
                },
            }
        )
    if purpose.logs_service:
        statements.append(
            {
                "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": aws.service_principal("logs")},
                "Action": [*_USE_ACTIONS],
                "Resource": "*",
                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": aws.arn("logs", "log-group:*")}},
            }
        )
    if purpose.publishing_services:
        statements.append(
            {
                "Sid": "ServicesPublishToThisAccountsTopics",
                "Effect": "Allow",
                "Principal": {"Service": list(purpose.publishing_services)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": aws.account_id}},
            }
        )
    if purpose.eventbridge_publishes:
        # The SNS developer guide (encrypted topics, "Enable compatibility between event sources from AWS
        # services and encrypted topics") gives EventBridge a statement without aws:SourceAccount or
        # aws:SourceArn: EventBridge's KMS calls for a topic target carry neither, so a statement that
        # requires them never matches and the rule's deliveries fail (FailedInvocations). The topic
        # policy still limits who may publish to the topic; this statement only lets the service use the key.
        statements.append(
            {
                "Sid": "EventBridgeRulesPublishToEncryptedTopics",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


class Encryption(Construct):
    """The platform's customer-managed keys: ``rds``, ``efs``, ``logs``, ``s3``, ``secrets``, ``ecr`` and ``sns``."""

    def __init__(
        self, scope: Construct, id: str, *, settings: EncryptionSettings, namer: Namer, aws: AwsContext
    ) -> None:
        super().__init__(scope, id)
        self.keys: dict[str, EncryptionKey] = {
            p.name: EncryptionKey(self, p.name, purpose=p, settings=settings, namer=namer, aws=aws) for p in PURPOSES
        }
        self.rds = self.keys["rds"]
        self.efs = self.keys["efs"]
        self.logs = self.keys["logs"]
        self.s3 = self.keys["s3"]
        self.secrets = self.keys["secrets"]
        self.ecr = self.keys["ecr"]
        self.sns = self.keys["sns"]

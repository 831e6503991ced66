"""Customer-managed KMS keys, one per purpose, each usable only by the services that need it."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from components.aws_context import AwsContext
from components.compliance import explain_lint
from components.iam import Statement, policy_document
from config.naming import KEY_PURPOSES, KeyPurpose, Kind, Namer
from config.settings import EncryptionSettings

# Key administration without the power to use the key: the account can manage (and so never lose)
# the key through IAM, while encrypt/decrypt is granted only through the statements below. Written out,
# not as kms:Create*/kms:Put* wildcards, which would include kms:CreateGrant: a principal with IAM
# kms:CreateGrant could then grant itself Decrypt around the ViaService statement ("Default key policy",
# "Allows key administrators to administer the KMS key" lists the same actions, less CreateGrant).
_ADMIN_ACTIONS = [
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:UpdateAlias",
    "kms:DescribeKey",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:UpdateKeyDescription",
    "kms:RevokeGrant",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
]
ADMIN_SID = "AccountAdministersKeyThroughIam"
_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


@dataclass(frozen=True)
class KeySpec:
    """A key's purpose and the AWS services allowed to use it on the account's behalf."""

    purpose: KeyPurpose
    description: str
    via_services: tuple[str, ...] = ()
    """Services that use the key for principals of this account (``kms:ViaService``)."""
    logs_service: bool = False
    """Whether CloudWatch Logs itself may use the key, for log groups of this account and region."""
    publishing_services: tuple[str, ...] = ()
    """Services that publish into an encrypted SNS topic on this account's behalf (``aws:SourceAccount``)."""
    eventbridge_publishes: bool = False
    """Whether EventBridge rules may publish into an encrypted SNS topic (its own statement, see below)."""


KEY_SPECS: dict[KeyPurpose, KeySpec] = {
    spec.purpose: spec
    for spec in (
        KeySpec(KeyPurpose.RDS, "RDS PostgreSQL storage, snapshots and Performance Insights", via_services=("rds",)),
        KeySpec(KeyPurpose.EFS, "EFS file system data at rest", via_services=("elasticfilesystem",)),
        KeySpec(KeyPurpose.LOGS, "CloudWatch Logs log groups", logs_service=True),
        KeySpec(KeyPurpose.S3, "S3 buckets (pipeline artifacts)", via_services=("s3",)),
        KeySpec(
            KeyPurpose.SECRETS,
            "Secrets Manager secrets (the RDS-managed master secret)",
            via_services=("secretsmanager",),
        ),
        KeySpec(KeyPurpose.ECR, "ECR container images", via_services=("ecr",)),
        KeySpec(
            KeyPurpose.SNS,
            "SNS alarm topic",
            via_services=("sns",),
            publishing_services=("cloudwatch.amazonaws.com",),
            eventbridge_publishes=True,
        ),
    )
}
"""One key per purpose of ``config.naming.KEY_PURPOSES`` (tests/components/test_encryption.py)."""


class EncryptionKey(Construct):
    """A KMS key with rotation on, an ``alias/healthtech-{purpose}-{env}`` alias and a scoped policy."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: KeySpec,
        settings: EncryptionSettings,
        namer: Namer,
        aws: AwsContext,
    ) -> None:
        super().__init__(scope, id)
        # A plain str: jsii would serialize an Enum member as a jsii enum reference.
        self.purpose = purpose = spec.purpose.value
        self.key = KmsKey(
            self,
            "key",
            description=f"{namer.name(Kind.KEY, purpose=purpose)}: {spec.description}",
            enable_key_rotation=True,
            deletion_window_in_days=settings.key_deletion_window_days,
            policy=_key_policy(spec, aws),
            tags={"Name": namer.name(Kind.KEY, purpose=purpose), "Purpose": purpose},
        )
        explain_lint(
            self.key,
            ADMIN_SID,
            "RESOURCE_MISMATCH",
            "kms:CreateAlias, DeleteAlias and UpdateAlias also need the alias, which a key policy cannot grant: "
            "its Resource is this key, and the alias half comes from IAM (KMS developer guide, "
            '"Controlling access to aliases")',
        )
        self.alias = KmsAlias(
            self, "alias", name=namer.name(Kind.KEY_ALIAS, purpose=purpose), target_key_id=self.key.key_id
        )

    @property
    def arn(self) -> str:
        return self.key.arn

    @property
    def key_id(self) -> str:
        return self.key.key_id

    def decrypt_statement(self) -> Statement:
        """An IAM policy statement granting decrypt on this key only (for roles reading its data)."""
        return Statement(actions=["kms:Decrypt", "kms:DescribeKey"], resources=self.arn)

    def encrypt_decrypt_statement(self) -> Statement:
        """An IAM policy statement granting data-key use on this key only (for roles writing its data)."""
        return Statement(actions=_USE_ACTIONS, resources=self.arn)


def _key_policy(purpose: KeySpec, aws: AwsContext) -> str:
    # An environment's key names its CI deploy role too: the role's IAM rights on keys come from the
    # Environment tag, which can take up to five minutes to count after CreateKey ("Use tags to control
    # access to KMS keys"), while EnableKeyRotation, CreateAlias and the services' grants follow in seconds.
    principal = {"AWS": aws.root_principal if aws.deploy_role is None else [aws.root_principal, aws.deploy_role]}
    statements: list[Statement] = [Statement(sid=ADMIN_SID, principal=principal, actions=_ADMIN_ACTIONS, resources="*")]
    if purpose.via_services:
        through_services = {
            "kms:CallerAccount": aws.account_id,
            "kms:ViaService": [aws.service_principal(s) for s in purpose.via_services],
        }
        statements += [
            Statement(
                sid="AccountUsesKeyOnlyThroughServices",
                principal=principal,
                actions=_USE_ACTIONS,
                resources="*",
                condition={"StringEquals": through_services},
            ),
            # The services' own grants (RDS, EFS and the rest hold one for as long as the resource exists),
            # and no other (kms:GrantIsForAWSResource, "Grants in AWS KMS").
            Statement(
                sid="ServicesTakeGrantsForTheirResources",
                principal=principal,
                actions="kms:CreateGrant",
                resources="*",
                condition={"StringEquals": through_services, "Bool": {"kms:GrantIsForAWSResource": "true"}},
            ),
        ]
    if purpose.logs_service:
        # The condition is what CloudWatch Logs' guide gives ("Encrypt log data in CloudWatch Logs using AWS
        # KMS"), written with StringLike because the key is String-typed (SAR, AWS KMS, condition keys
        # kms:EncryptionContext:${EncryptionContextKey}); ArnLike matches this value alike. No DescribeKey:
        # its requests carry no encryption context, so under this condition it could never be allowed.
        statements.append(
            Statement(
                sid="CloudWatchLogsEncryptsThisAccountsLogGroups",
                principal={"Service": aws.service_principal("logs")},
                actions=[a for a in _USE_ACTIONS if a != "kms:DescribeKey"],
                resources="*",
                condition={"StringLike": {"kms:EncryptionContext:aws:logs:arn": aws.arn("logs", "log-group:*")}},
            )
        )
    if purpose.publishing_services:
        statements.append(
            Statement(
                sid="ServicesPublishToThisAccountsTopics",
                principal={"Service": list(purpose.publishing_services)},
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources="*",
                condition={"StringEquals": {"aws:SourceAccount": aws.account_id}},
            )
        )
    if purpose.eventbridge_publishes:
        # The SNS developer guide (encrypted topics, "Enable compatibility between event sources from AWS
        # services and encrypted topics") gives EventBridge a statement without aws:SourceAccount or
        # aws:SourceArn: EventBridge's KMS calls for a topic target carry neither, so a statement that
        # requires them never matches and the rule's deliveries fail (FailedInvocations). The topic
        # policy still limits who may publish to the topic; this statement only lets the service use the key.
        statements.append(
            Statement(
                sid="EventBridgeRulesPublishToEncryptedTopics",
                principal={"Service": "events.amazonaws.com"},
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources="*",
            )
        )
    return policy_document(*statements)


class Encryption(Construct):
    """The platform's customer-managed keys: ``rds``, ``efs``, ``logs``, ``s3``, ``secrets``, ``ecr`` and ``sns``."""

    def __init__(
        self, scope: Construct, id: str, *, settings: EncryptionSettings, namer: Namer, aws: AwsContext
    ) -> None:
        super().__init__(scope, id)
        self.keys: dict[KeyPurpose, EncryptionKey] = {
            purpose: EncryptionKey(
                self, purpose.value, spec=KEY_SPECS[purpose], settings=settings, namer=namer, aws=aws
            )
            for purpose in KEY_PURPOSES
        }
        self.rds = self.keys[KeyPurpose.RDS]
        self.efs = self.keys[KeyPurpose.EFS]
        self.logs = self.keys[KeyPurpose.LOGS]
        self.s3 = self.keys[KeyPurpose.S3]
        self.secrets = self.keys[KeyPurpose.SECRETS]
        self.ecr = self.keys[KeyPurpose.ECR]
        self.sns = self.keys[KeyPurpose.SNS]

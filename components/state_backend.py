"""The S3 bucket and DynamoDB table that hold and lock every environment's Terraform state.

Created once per account/region by the state bootstrap stack, before any environment: the
environments' S3 backends (``StateBackendSettings``) name this bucket, table and key.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
)
from constructs import Construct

from components.bucket import SecureBucket
from components.compliance import suppress
from components.encryption import EncryptionKey
from components.iam import Effect, Statement
from config.settings import StateBackendSettings

# Terraform's S3 backend keys its DynamoDB lock items by this attribute.
LOCK_HASH_KEY = "LockID"


class StateBackend(Construct):
    """Versioned, KMS-encrypted, private, TLS-only state bucket and an encrypted, recoverable lock table.

    ``protect`` keeps both from being destroyed (``prevent_destroy``, table deletion protection, no
    ``force_destroy``): losing them loses every environment's state. Only a throwaway local endpoint
    turns it off, so tests can destroy what they created.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: StateBackendSettings,
        key: EncryptionKey,
        noncurrent_version_days: int,
        protect: bool,
    ) -> None:
        super().__init__(scope, id)
        if settings.bucket is None:
            raise ValueError("state bucket name not resolved: pass the settings through config.account.state_bucket")
        # No expiry of current objects (that would delete live state); every write is a new version,
        # so a bad apply or a corrupted state can be rolled back for noncurrent_version_days.
        self.state_bucket = SecureBucket(
            self,
            "bucket",
            name=settings.bucket,
            key=key,
            expire_after_days=None,
            noncurrent_version_days=noncurrent_version_days,
            force_destroy=not protect,
        )
        self.bucket = self.state_bucket.bucket
        self.versioning = self.state_bucket.versioning
        suppress(
            self.bucket,
            "CKV_AWS_18",
            "no server access log bucket exists before the bootstrap; state reads and writes are few, "
            "come only from Terraform's roles, and are recorded by CloudTrail",
        )
        self.state_bucket.explain_no_event_notifications(
            "nothing consumes events of state writes; locking, not notifications, guards concurrent runs"
        )
        self.state_bucket.add_to_policy(
            Statement(
                sid="DenyWritesNotEncryptedWithKms",
                effect=Effect.DENY,
                principal={"AWS": "*"},
                actions="s3:PutObject",
                resources=self.state_bucket.objects_arn(),
                condition={
                    "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                    "Null": {"s3:x-amz-server-side-encryption": "false"},
                },
            )
        )
        self.lock_table = DynamodbTable(
            self,
            "lock-table",
            name=settings.lock_table,
            billing_mode="PAY_PER_REQUEST",
            hash_key=LOCK_HASH_KEY,
            attribute=[DynamodbTableAttribute(name=LOCK_HASH_KEY, type="S")],
            server_side_encryption=DynamodbTableServerSideEncryption(enabled=True, kms_key_arn=key.arn),
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            deletion_protection_enabled=protect,
        )
        if protect:
            for resource in (self.bucket, self.lock_table):
                resource.add_override("lifecycle.prevent_destroy", True)

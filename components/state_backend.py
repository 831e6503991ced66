"""The S3 bucket and DynamoDB table that hold and lock every environment's Terraform state.

Created once per account/region by the state bootstrap stack, before any environment: the
environments' S3 backends (``StateBackendSettings``) name this bucket, table and key.
"""

from __future__ import annotations

import json
from typing import Any

from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
)
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA, S3BucketVersioningVersioningConfiguration
from constructs import Construct

from components.compliance import suppress
from components.encryption import EncryptionKey
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
        self.bucket = S3Bucket(self, "bucket", bucket=settings.bucket, force_destroy=not protect)
        suppress(
            self.bucket,
            "CKV_AWS_18",
            "no server access log bucket exists before the bootstrap; state reads and writes are few, "
            "come only from Terraform's roles, and are recorded by CloudTrail",
        )
        suppress(
            self.bucket,
            "CKV_AWS_144",
            "versioning with 90 days of old versions is the recovery path for state; a replica bucket "
            "in a second region would need its own bootstrap and key, out of scope for one region",
        )
        suppress(
            self.bucket,
            "CKV2_AWS_62",
            "nothing consumes events of state writes; locking, not notifications, guards concurrent runs",
        )
        S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=self.bucket.id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        # Every state write is a new version: a bad apply or a corrupted state can be rolled back.
        self.versioning = S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="aws:kms", kms_master_key_id=key.arn
                        )
                    ),
                    bucket_key_enabled=True,
                )
            ],
        )
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=self.bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-old-state-versions",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=noncurrent_version_days
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)
                    ],
                )
            ],
            depends_on=[self.versioning],
        )
        S3BucketPolicy(self, "policy", bucket=self.bucket.id, policy=json.dumps(_bucket_policy(self.bucket.arn)))
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


def _bucket_policy(bucket_arn: str) -> dict[str, Any]:
    everything = [bucket_arn, f"{bucket_arn}/*"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": everything,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                # A writer that asks for another encryption (e.g. SSE-S3) is refused; one that asks for
                # none gets the bucket default, SSE-KMS with the state key.
                "Sid": "DenyWritesNotEncryptedWithKms",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/*",
                "Condition": {
                    "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                    "Null": {"s3:x-amz-server-side-encryption": "false"},
                },
            },
        ],
    }

"""A private S3 bucket with the settings every bucket of the platform shares.

Public access is blocked, ACLs are disabled (bucket owner enforced), versioning is on, every request
without TLS is denied, and objects expire after a set time. Encryption is SSE-KMS with one of our keys
and bucket keys, except where the AWS service writing to the bucket supports only SSE-S3 (ALB access
logs): the caller must then say so with ``sse_s3_reason``.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
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
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from components.aws_context import AwsContext
from components.compliance import suppress
from components.encryption import EncryptionKey
from components.iam import Effect, Statement, policy_document

NONCURRENT_VERSION_DAYS = 30


class SecureBucket(Construct):
    """One bucket and its configuration resources. ``allow`` adds statements to its bucket policy."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        key: EncryptionKey | None,
        expire_after_days: int | None,
        force_destroy: bool,
        noncurrent_version_days: int = NONCURRENT_VERSION_DAYS,
        sse_s3_reason: str | None = None,
        expire_prefix: str = "",
    ) -> None:
        """``expire_after_days`` None keeps current objects until deleted (e.g. Terraform state); with
        ``expire_prefix`` only current objects under that prefix expire. Old versions always expire after
        ``noncurrent_version_days``."""
        super().__init__(scope, id)
        if (key is None) == (sse_s3_reason is None):
            raise ValueError(f"bucket {name}: give a KMS key, or no key and the reason SSE-S3 is used instead")
        self.sse_s3_reason = sse_s3_reason
        self.bucket = S3Bucket(self, "bucket", bucket=name, force_destroy=force_destroy)
        if sse_s3_reason is not None:
            suppress(self.bucket, "CKV_AWS_145", sse_s3_reason)
        suppress(
            self.bucket,
            "CKV_AWS_144",
            "no cross-region replica: the platform keeps data in one region by design (GDPR data residency); "
            "versioning and expiry rules cover accidental deletion",
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
        S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=self.bucket.id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        self.versioning = S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        default = S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
            sse_algorithm="aws:kms" if key else "AES256",
            kms_master_key_id=key.arn if key else None,
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=default, bucket_key_enabled=key is not None
                )
            ],
        )
        abort_uploads = [S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)]
        old_versions = [
            S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=noncurrent_version_days)
        ]
        expiration = (
            [S3BucketLifecycleConfigurationRuleExpiration(days=expire_after_days)] if expire_after_days else None
        )
        if expire_after_days and expire_prefix:
            # Only objects under the prefix expire; everything else (e.g. the pipeline's source archive)
            # stays current until replaced, and only its old versions expire (the second rule).
            rules = [
                S3BucketLifecycleConfigurationRule(
                    id="expire-objects",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix=expire_prefix)],
                    expiration=expiration,
                    abort_incomplete_multipart_upload=abort_uploads,
                ),
                S3BucketLifecycleConfigurationRule(
                    id="expire-old-versions",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    noncurrent_version_expiration=old_versions,
                    abort_incomplete_multipart_upload=abort_uploads,
                ),
            ]
        else:
            rules = [
                S3BucketLifecycleConfigurationRule(
                    id="expire-objects" if expire_after_days else "expire-old-versions",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=expiration,
                    noncurrent_version_expiration=old_versions,
                    abort_incomplete_multipart_upload=abort_uploads,
                )
            ]
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=self.bucket.id,
            rule=rules,
            # S3 refuses noncurrent-version rules until versioning is on.
            depends_on=[self.versioning],
        )
        self._statements: list[Statement] = [
            Statement(
                sid="DenyWithoutTls",
                effect=Effect.DENY,
                principal={"AWS": "*"},
                actions="s3:*",
                resources=[self.bucket.arn, f"{self.bucket.arn}/*"],
                condition={"Bool": {"aws:SecureTransport": "false"}},
            )
        ]
        self.policy = S3BucketPolicy(self, "policy", bucket=self.bucket.id, policy=policy_document(*self._statements))

    @property
    def name(self) -> str:
        return self.bucket.bucket

    @property
    def arn(self) -> str:
        return self.bucket.arn

    def objects_arn(self, prefix: str = "") -> str:
        """ARN of the objects under ``prefix`` (all objects when empty)."""
        return f"{self.bucket.arn}/{prefix}*"

    def log_access_to(self, target: SecureBucket, aws: AwsContext) -> None:
        """Write this bucket's S3 server access logs into ``target`` under ``s3-access/{name}/``."""
        prefix = f"s3-access/{self.bucket.bucket}/"
        target.add_to_policy(
            Statement(
                sid="S3ServerAccessLogsOfThisAccount",
                principal={"Service": "logging.s3.amazonaws.com"},
                actions="s3:PutObject",
                resources=target.objects_arn(prefix),
                condition={"StringEquals": {"aws:SourceAccount": aws.account_id}},
            )
        )
        S3BucketLoggingA(
            self,
            "access-logging",
            bucket=self.bucket.id,
            target_bucket=target.bucket.id,
            target_prefix=prefix,
            depends_on=[target.policy],
        )

    def explain_no_event_notifications(self, reason: str) -> None:
        """Record why nothing subscribes to this bucket's events."""
        suppress(self.bucket, "CKV2_AWS_62", reason)

    def add_to_policy(self, statement: Statement) -> None:
        """Add ``statement`` to the bucket policy (after the TLS-only deny, which always stays first)."""
        self._statements.append(statement)
        self.policy.policy = policy_document(*self._statements)

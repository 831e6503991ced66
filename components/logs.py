"""CloudWatch log groups as the platform makes them: KMS-encrypted, expiring, with a scoped write grant."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from constructs import Construct

from components.compliance import suppress_short_retention
from components.encryption import EncryptionKey
from components.iam import Statement


def log_group(scope: Construct, id: str, *, name: str, key: EncryptionKey, retention_days: int) -> CloudwatchLogGroup:
    """A log group encrypted with ``key`` that keeps events ``retention_days`` (the environment's setting)."""
    group = CloudwatchLogGroup(scope, id, name=name, kms_key_id=key.arn, retention_in_days=retention_days)
    suppress_short_retention(group, retention_days)
    return group


def write_statement(group: CloudwatchLogGroup) -> Statement:
    """An IAM statement letting a role create streams in ``group`` and write events to them, nothing else."""
    return Statement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=f"{group.arn}:log-stream:*")

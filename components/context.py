"""What every component of one environment's stack shares, passed as one ``context`` argument.

The namer, the account/partition/region lookups, the key and retention of every log group, the
protection flags and the adopted live values are the same for every component of an environment.
Components take this one object instead of the same five arguments each (as an AWS CDK construct
reads its account and region from ``Stack.of(this)``), and keep their own settings and the objects
they use as typed props. Only ``Encryption`` comes before it: the logs key is one of its keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from constructs import Construct

from components.aws_context import AwsContext
from components.encryption import EncryptionKey
from components.logs import log_group
from config.naming import Namer
from config.settings import AdoptedSettings, EnvironmentConfig


@dataclass(frozen=True, kw_only=True)
class StackContext:
    namer: Namer
    aws: AwsContext
    logs_key: EncryptionKey
    """Encrypts every log group of the environment."""
    log_retention_days: int
    deletion_protection: bool
    """The database and the load balancer refuse deletion (prod); off where the environment must stay
    destroyable."""
    force_destroy: bool
    """Buckets and the image repository may be destroyed with their contents (dev only)."""
    adopted: AdoptedSettings | None = None
    """The live values of an environment adopted from a running CloudFormation stack, which the
    components keep instead of their own (creation token, security group descriptions)."""

    @classmethod
    def of(cls, config: EnvironmentConfig, *, namer: Namer, aws: AwsContext, logs_key: EncryptionKey) -> StackContext:
        """The context of ``config``'s environment."""
        return cls(
            namer=namer,
            aws=aws,
            logs_key=logs_key,
            log_retention_days=config.observability.log_retention_days,
            deletion_protection=config.deletion_protection,
            force_destroy=config.force_destroy,
            adopted=config.adopted,
        )

    def log_group(self, scope: Construct, id: str, *, name: str) -> CloudwatchLogGroup:
        """A log group as every one of the environment is: the logs key, the environment's retention."""
        return log_group(scope, id, name=name, key=self.logs_key, retention_days=self.log_retention_days)

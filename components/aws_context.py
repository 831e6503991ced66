"""Account, partition and region of the deployment, looked up once per stack."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from constructs import Construct


class AwsContext(Construct):
    """Where the stack is deployed; components build ARNs and service principals from it."""

    def __init__(self, scope: Construct, id: str, *, region: str) -> None:
        super().__init__(scope, id)
        self.region = region
        identity = DataAwsCallerIdentity(self, "caller")
        partition = DataAwsPartition(self, "partition")
        self.account_id: str = identity.account_id
        self.partition: str = partition.partition
        self.dns_suffix: str = partition.dns_suffix

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        """``arn:{partition}:{service}:{region}:{account}:{resource}`` for this deployment."""
        return ":".join(
            [
                "arn",
                self.partition,
                service,
                self.region if region else "",
                self.account_id if account else "",
                resource,
            ]
        )

    def service_principal(self, service: str) -> str:
        """The regional service principal, e.g. ``logs.eu-south-1.amazonaws.com``."""
        return f"{service}.{self.region}.{self.dns_suffix}"

    @property
    def root_principal(self) -> str:
        return self.arn("iam", "root", region=False)

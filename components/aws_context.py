"""Account, partition and region of the deployment, looked up once per stack."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from constructs import Construct

from config.naming import Kind, Namer


def permissions_boundary_arn(partition: str, account_id: str, environment: str) -> str:
    """The managed policy the state bootstrap creates as ``environment``'s permissions boundary
    (components/ci_access.py): every role of the environment's stack carries it."""
    return f"arn:{partition}:iam::{account_id}:policy/{Namer(environment).name(Kind.CI_BOUNDARY)}"


class AwsContext(Construct):
    """Where the stack is deployed; components build ARNs and service principals from it."""

    def __init__(self, scope: Construct, id: str, *, region: str, environment: str | None = None) -> None:
        """``environment``: the environment whose stack this is (None for the state bootstrap)."""
        super().__init__(scope, id)
        self.region = region
        identity = DataAwsCallerIdentity(self, "caller")
        partition = DataAwsPartition(self, "partition")
        self.account_id: str = identity.account_id
        self.partition: str = partition.partition
        self.dns_suffix: str = partition.dns_suffix
        self.permissions_boundary: str | None = (
            None if environment is None else permissions_boundary_arn(self.partition, self.account_id, environment)
        )
        """The boundary of the environment's roles (its deploy role may create no role without it)."""
        self.deploy_role: str | None = (
            None
            if environment is None
            else f"arn:{self.partition}:iam::{self.account_id}:role/{Namer(environment).name(Kind.CI_DEPLOY)}"
        )
        """The environment's CI deploy role (made by the state bootstrap), which its key policies name."""

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

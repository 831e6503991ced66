"""Settings that point a stack at a local AWS endpoint (moto) instead of AWS.

Everything local-only lives here, applied only when a stack is built with a :class:`LocalEndpoint`,
so the JSON synthesized for real AWS never carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf import TerraformResource, TerraformResourceLifecycle
from constructs import Construct

# Every service the topology talks to; the provider sends each to the one local endpoint.
SERVICES: tuple[str, ...] = (
    "acm",
    "appautoscaling",
    "cloudwatch",
    "codebuild",
    "codepipeline",
    "codestarconnections",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "efs",
    "elbv2",
    "events",
    "iam",
    "kms",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "sts",
    "wafv2",
)
# Not secrets: moto accepts any key pair, and these never reach a real-AWS stack.
LOCAL_ACCESS_KEY = "local"
LOCAL_SECRET_KEY = "local"


@dataclass(frozen=True)
class IgnoredOnLocalEndpoint:
    """Attributes the local endpoint does not store, so a re-plan would always show them as changed.

    The argument stays in the configuration (real AWS gets it); only local mode ignores its drift.
    tests/stacks/test_local_endpoint.py checks that moto still drops each of them.
    """

    path: str
    """Construct path of the resource below the stack."""
    attributes: tuple[str, ...]
    reason: str


IGNORED_ON_LOCAL_ENDPOINT: tuple[IgnoredOnLocalEndpoint, ...] = (
    IgnoredOnLocalEndpoint(
        "database/instance",
        ("performance_insights_enabled", "performance_insights_kms_key_id", "performance_insights_retention_period"),
        "moto 5.2.5 accepts but does not store Performance Insights settings (describe returns them off)",
    ),
    IgnoredOnLocalEndpoint(
        "compute/service",
        (
            "capacity_provider_strategy",
            "enable_ecs_managed_tags",
            "health_check_grace_period_seconds",
            "availability_zone_rebalancing",
        ),
        "moto 5.2.5 stores none of them (DescribeServices omits each; a strategy drift would replace the service)",
    ),
)


@dataclass(frozen=True)
class UnsetOnLocalEndpoint:
    """An argument local mode leaves out because, there, setting it only costs time.

    Found by resource type, not construct path, so it holds wherever the resource lives in the tree.
    tests/stacks/test_local_endpoint.py checks that real-AWS JSON keeps it and local JSON drops it.
    """

    resource_type: str
    attribute: str
    reason: str


UNSET_ON_LOCAL_ENDPOINT: tuple[UnsetOnLocalEndpoint, ...] = (
    UnsetOnLocalEndpoint(
        "aws_db_instance",
        "ca_cert_identifier",
        "provider 5.100 sets it with a ModifyDBInstance after the create and then waits for the instance "
        "again (a fixed initial delay, ~60-90 s on moto, which answers 'available' at once); moto's default "
        "CA takes its place and the argument is optional+computed, so a re-plan stays clean",
    ),
)


# A destroy that cannot finish on the local endpoint (a DependencyViolation: something the stack does not
# know of is still in a subnet, group or VPC) fails after this, not after the provider's own 10-60
# minutes. Every resource type of ours whose schema has ``timeouts.delete`` (hashicorp/aws 5.100.0,
# `terraform providers schema -json`; tests/stacks/test_local_endpoint.py keeps this list equal to it).
# A healthy local delete of each takes seconds; the RDS instance's, the longest, about a minute.
LOCAL_DELETE_TIMEOUT = "3m"
BOUNDED_DELETE_TYPES: tuple[str, ...] = (
    "aws_db_instance",
    "aws_ecr_repository",
    "aws_ecs_service",
    "aws_efs_mount_target",
    "aws_eip",
    "aws_internet_gateway",
    "aws_lb",
    "aws_nat_gateway",
    "aws_route",
    "aws_route53_record",
    "aws_route_table",
    "aws_route_table_association",
    "aws_s3_bucket",
    "aws_security_group",
    "aws_subnet",
)


@dataclass(frozen=True, kw_only=True)
class LocalEndpoint:
    """A local AWS endpoint, such as ``http://127.0.0.1:5055``."""

    url: str

    def provider_settings(self) -> dict[str, Any]:
        """Keyword arguments for ``AwsProvider`` in local mode."""
        return {
            "access_key": LOCAL_ACCESS_KEY,
            "secret_key": LOCAL_SECRET_KEY,
            "skip_credentials_validation": True,
            "skip_metadata_api_check": "true",
            # Kept False on purpose: with it True, SG-to-SG rules drift on every plan
            # ("123456789012/sg-..." against "sg-...").
            "skip_requesting_account_id": False,
            "s3_use_path_style": True,
            # An API the emulator lacks answers 500; without a low cap the SDK retries for ~15 minutes.
            "max_retries": 3,
            "endpoints": [{service: self.url for service in SERVICES}],
        }

    def adapt(self, stack: Construct) -> None:
        """Every local-only change to ``stack``'s resources: ignored drift, arguments left out, short deletes."""
        self.ignore_unsupported(stack)
        self.unset_slow(stack)
        self.bound_deletes(stack)

    def bound_deletes(self, stack: Construct) -> None:
        """Give every resource of :data:`BOUNDED_DELETE_TYPES` the short local delete timeout."""
        for node in stack.node.find_all():
            if isinstance(node, TerraformResource) and node.terraform_resource_type in BOUNDED_DELETE_TYPES:
                node.add_override("timeouts.delete", LOCAL_DELETE_TIMEOUT)

    def unset_slow(self, stack: Construct) -> None:
        """Leave out the arguments of :data:`UNSET_ON_LOCAL_ENDPOINT` (null in the JSON: not set)."""
        by_type: dict[str, list[str]] = {}
        for entry in UNSET_ON_LOCAL_ENDPOINT:
            by_type.setdefault(entry.resource_type, []).append(entry.attribute)
        for node in stack.node.find_all():
            if isinstance(node, TerraformResource) and node.terraform_resource_type in by_type:
                for attribute in by_type[node.terraform_resource_type]:
                    node.add_override(attribute, None)

    def ignore_unsupported(self, stack: Construct) -> None:
        """Add the narrow ``lifecycle.ignore_changes`` of :data:`IGNORED_ON_LOCAL_ENDPOINT` to ``stack``."""
        for entry in IGNORED_ON_LOCAL_ENDPOINT:
            resource = stack.node.find_child(entry.path.split("/")[0])
            for part in entry.path.split("/")[1:]:
                resource = resource.node.find_child(part)
            assert isinstance(resource, TerraformResource), entry.path
            # Keep what the component already ignores (e.g. the service's desired_count).
            already = list(resource.lifecycle.ignore_changes or []) if resource.lifecycle else []
            resource.lifecycle = TerraformResourceLifecycle(
                ignore_changes=list(dict.fromkeys([*already, *entry.attributes]))
            )

    def backend_overrides(self) -> dict[str, Any]:
        """``terraform.backend.s3`` attributes that send state and locks to the local endpoint."""
        return {
            "endpoints": {"s3": self.url, "dynamodb": self.url, "sts": self.url, "iam": self.url},
            "use_path_style": True,
            "access_key": LOCAL_ACCESS_KEY,
            "secret_key": LOCAL_SECRET_KEY,
            "skip_credentials_validation": True,
            "skip_metadata_api_check": True,
            "skip_region_validation": True,
            "skip_requesting_account_id": True,
        }

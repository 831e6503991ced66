"""The Terraform and AWS provider settings every stack of this app shares."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags

from stacks.local_endpoint import LocalEndpoint

TERRAFORM_REQUIRED_VERSION = ">= 1.10, < 2.0"  # 1.10 brought the S3 backend's native lockfile
AWS_PROVIDER_VERSION = "5.100.0"  # the version cdktf-cdktf-provider-aws 20.1.0 binds


def use_aws(
    stack: TerraformStack, *, region: str, tags: dict[str, str], account_id: str, local: LocalEndpoint | None
) -> AwsProvider:
    """The AWS provider of ``stack`` (tagging every resource with ``tags``) and the pinned versions.

    ``allowed_account_ids``: credentials of any other account fail the provider's configuration, before
    any resource is read or written (a plan run in the wrong account stops there)."""
    provider = AwsProvider(
        stack,
        "aws",
        region=region,
        allowed_account_ids=[account_id],
        default_tags=[AwsProviderDefaultTags(tags=tags)],
        **(local.provider_settings() if local else {}),
    )
    stack.add_override("terraform.required_version", TERRAFORM_REQUIRED_VERSION)
    stack.add_override("terraform.required_providers.aws.source", "hashicorp/aws")
    stack.add_override("terraform.required_providers.aws.version", AWS_PROVIDER_VERSION)
    return provider

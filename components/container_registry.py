"""The application's image repository, created by the stack (the original template needed it by hand)."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from components.compliance import allow_any_resource
from components.context import StackContext
from components.encryption import EncryptionKey
from components.iam import Statement, grant
from config.naming import Kind

PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
PUSH_ACTIONS = [
    *PULL_ACTIONS,
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    # The build skips a tag that is already there (tags are immutable): re-running a release works.
    "ecr:DescribeImages",
]
AUTH_TOKEN_SID = "EcrLoginHasNoResourceLevelPermission"
AUTH_TOKEN_REASON = (
    "ecr:GetAuthorizationToken has no resource-level permission; the token is account-wide, and what it "
    "may pull or push is still limited to the repository statement granted next to it"
)
AUTH_TOKEN_STATEMENT = Statement(sid=AUTH_TOKEN_SID, actions="ecr:GetAuthorizationToken", resources="*")


class ContainerRegistry(Construct):
    """``healthtech-{env}``: scanned on push, immutable tags, KMS-encrypted, the last N images kept."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        context: StackContext,
        key: EncryptionKey,
        images_kept: int,
    ) -> None:
        super().__init__(scope, id)
        self.repository = EcrRepository(
            self,
            "repository",
            name=context.namer.name(Kind.ECR),
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[EcrRepositoryEncryptionConfiguration(encryption_type="KMS", kms_key=key.arn)],
            force_delete=context.force_destroy,
        )
        EcrLifecyclePolicy(
            self,
            "lifecycle",
            repository=self.repository.name,
            policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": f"Keep the {images_kept} most recent images",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": images_kept,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
        )

    @property
    def url(self) -> str:
        return self.repository.repository_url

    def image(self, tag: str) -> str:
        return f"{self.repository.repository_url}:{tag}"

    def grant_pull(self, role: IamRole) -> IamRolePolicy:
        """Let ``role`` log in to ECR and pull this repository's images, nothing else; returns the policy."""
        return self._grant(role, "pull-images", PULL_ACTIONS)

    def grant_push(self, role: IamRole) -> IamRolePolicy:
        """Let ``role`` log in to ECR and push (and pull) this repository's images; returns the policy."""
        return self._grant(role, "push-images", PUSH_ACTIONS)

    def _grant(self, role: IamRole, name: str, actions: list[str]) -> IamRolePolicy:
        policy = grant(
            self,
            f"{name}-{role.node.id}",
            role=role,
            name=name,
            statements=[
                AUTH_TOKEN_STATEMENT,
                Statement(actions=actions, resources=self.repository.arn),
            ],
        )
        allow_any_resource(policy, AUTH_TOKEN_SID, AUTH_TOKEN_REASON)
        return policy

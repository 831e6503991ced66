"""The state bootstrap: the bucket, lock table and key every environment's S3 backend uses.

It runs once per account/region, before any environment, so it cannot keep its own state in the
bucket it creates: its state stays in a local file (``bootstrap/terraform.tfstate``, git-ignored;
``.local/bootstrap/`` in local mode). See README, "State bootstrap".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf import LocalBackend, TerraformOutput, TerraformStack
from constructs import Construct

from components.aws_context import AwsContext
from components.ci_access import GitHubCiAccess
from components.ci_policies import StateAccess
from components.encryption import EncryptionKey, KeySpec
from components.state_backend import StateBackend
from config.ci import DEPLOY_ROLE_SECRET, PLAN_ROLE_SECRET, GitHubRepository
from config.naming import BOOTSTRAP_SCOPE, PROJECT, STATE_KEY_PURPOSE, Namer
from config.settings import EncryptionSettings, StateBackendSettings
from stacks.aws_provider import use_aws
from stacks.local_endpoint import LocalEndpoint

BOOTSTRAP_STACK = f"{PROJECT}-state-{BOOTSTRAP_SCOPE}"
NONCURRENT_STATE_VERSION_DAYS = 90
"""Old state versions are kept this long: enough to roll back any apply of the last quarter."""

STATE_KEY = KeySpec(
    STATE_KEY_PURPOSE,
    "Terraform state (S3) and state locks (DynamoDB) of every environment",
    via_services=("s3", "dynamodb"),
)


class StateBootstrapStack(TerraformStack):
    """Provider (in ``state.region``), a local backend at ``state_file``, the key and the state backend, and
    the GitHub workflows' OIDC provider and roles: a plan role and one deploy role per ``deploy_environments``."""

    def __init__(
        self,
        scope: Construct,
        *,
        state: StateBackendSettings,
        account_id: str,
        state_file: str,
        owner: str,
        cost_center: str,
        repository: GitHubRepository,
        deploy_environments: Sequence[str],
        deploy_domains: Mapping[str, str] | None = None,
        local: LocalEndpoint | None = None,
    ) -> None:
        super().__init__(scope, BOOTSTRAP_STACK)
        tags = {
            "Project": PROJECT,
            "Environment": "shared",
            "ManagedBy": "cdktf",
            "Compliance": "HIPAA",
            "DataClassification": "Confidential",
            "Owner": owner,
            "CostCenter": cost_center,
            "Stack": BOOTSTRAP_STACK,
        }
        use_aws(self, region=state.region, tags=tags, account_id=account_id, local=local)
        LocalBackend(self, path=state_file)

        aws = AwsContext(self, "context", region=state.region)
        self.key = EncryptionKey(
            self,
            "key",
            spec=STATE_KEY,
            settings=EncryptionSettings(),  # the safe 30-day deletion window, whatever the environments use
            namer=Namer(BOOTSTRAP_SCOPE),
            aws=aws,
        )
        self.backend = StateBackend(
            self,
            "state",
            settings=state,
            key=self.key,
            noncurrent_version_days=NONCURRENT_STATE_VERSION_DAYS,
            protect=local is None,
        )
        assert state.bucket is not None  # resolved by the caller (StateBackend refuses it otherwise)
        self.ci = GitHubCiAccess(
            self,
            "ci",
            repository=repository,
            environments=deploy_environments,
            domains=deploy_domains,
            state=StateAccess(
                bucket=state.bucket,
                bucket_arn=self.backend.bucket.arn,
                lock_table_arn=self.backend.lock_table.arn,
                key_arn=self.key.arn,
                key_prefix=state.key_prefix,
            ),
            aws=aws,
        )
        outputs: dict[str, tuple[object, str]] = {
            "StateBucketName": (self.backend.bucket.bucket, "S3 bucket holding every environment's state"),
            "StateBucketArn": (self.backend.bucket.arn, "State bucket ARN"),
            "LockTableName": (self.backend.lock_table.name, "DynamoDB table holding the state locks"),
            "LockTableArn": (self.backend.lock_table.arn, "Lock table ARN"),
            "StateKeyArn": (self.key.arn, "KMS key encrypting the state and the locks"),
            "StateKeyAlias": (self.key.alias.name, "Alias the environments' S3 backends name as kms_key_id"),
            "GitHubOidcProviderArn": (self.ci.provider.arn, "IAM OIDC provider for GitHub Actions tokens"),
            "PlanRoleArn": (self.ci.plan_role.arn, f"Repository secret {PLAN_ROLE_SECRET} (pull-request plans)"),
            "DeployRoleArns": (
                {env: role.arn for env, role in self.ci.deploy_roles.items()},
                f"Per environment: the GitHub environment's secret {DEPLOY_ROLE_SECRET}",
            ),
        }
        for output_id, (value, description) in outputs.items():
            TerraformOutput(self, output_id, value=value, description=description)

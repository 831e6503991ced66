"""One environment of the platform as one Terraform stack."""

from __future__ import annotations

from cdktf import S3Backend, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from components.aws_context import AwsContext
from components.database import Database
from components.encryption import Encryption
from components.file_storage import FileStorage
from components.identity import WorkloadIdentity
from components.network import Network
from config.naming import PROJECT, Namer
from config.settings import EnvironmentConfig
from stacks.local_endpoint import LocalEndpoint

TERRAFORM_REQUIRED_VERSION = ">= 1.10, < 2.0"  # 1.10 brought the S3 backend's native lockfile
AWS_PROVIDER_VERSION = "5.100.0"  # the version cdktf-cdktf-provider-aws 20.1.0 binds


def stack_name(environment: str) -> str:
    return f"{PROJECT}-{environment}"


def required_tags(config: EnvironmentConfig) -> dict[str, str]:
    """Tags every resource carries, applied through the provider's ``default_tags``."""
    return {
        "Project": PROJECT,
        "Environment": config.name,
        "EnvironmentSuffix": config.name,
        "ManagedBy": "cdktf",
        "Compliance": "HIPAA",
        "DataClassification": "PHI",
        "Owner": config.owner,
        "CostCenter": config.cost_center,
        "Stack": stack_name(config.name),
    }


class PlatformStack(TerraformStack):
    """Provider, state backend, the platform's components in dependency order, then the outputs."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, *, local: LocalEndpoint | None = None) -> None:
        name = stack_name(config.name)
        super().__init__(scope, name)
        self.config = config
        namer = Namer(config.name)

        AwsProvider(
            self,
            "aws",
            region=config.region,
            default_tags=[AwsProviderDefaultTags(tags=required_tags(config))],
            **(local.provider_settings() if local else {}),
        )
        self._backend(config, local)
        self.add_override("terraform.required_version", TERRAFORM_REQUIRED_VERSION)
        self.add_override("terraform.required_providers.aws.source", "hashicorp/aws")
        self.add_override("terraform.required_providers.aws.version", AWS_PROVIDER_VERSION)

        aws = AwsContext(self, "context", region=config.region)
        self.encryption = Encryption(self, "encryption", settings=config.encryption, namer=namer, aws=aws)
        self.network = Network(
            self,
            "network",
            settings=config.network,
            namer=namer,
            aws=aws,
            logs_key=self.encryption.logs,
            log_retention_days=config.observability.log_retention_days,
        )
        self.identity = WorkloadIdentity(self, "identity", namer=namer, aws=aws)
        self.database = Database(
            self,
            "database",
            settings=config.database,
            deletion_protection=config.deletion_protection,
            namer=namer,
            aws=aws,
            network=self.network,
            storage_key=self.encryption.rds,
            secret_key=self.encryption.secrets,
            logs_key=self.encryption.logs,
            log_retention_days=config.observability.log_retention_days,
        )
        # ECS fetches the secret for the container (`secrets`), so the execution role reads it.
        self.database.grant_read_secret(self.identity.execution_role)
        self.file_storage = FileStorage(
            self,
            "file-storage",
            settings=config.file_storage,
            namer=namer,
            network=self.network,
            key=self.encryption.efs,
            clients=[self.identity.task_role],
        )
        if local:
            local.ignore_unsupported(self)
        self._outputs(name)

    def _backend(self, config: EnvironmentConfig, local: LocalEndpoint | None) -> None:
        state = config.state
        S3Backend(
            self,
            bucket=state.bucket,
            key=f"{state.key_prefix}/{config.name}/terraform.tfstate",
            region=state.region,
            encrypt=True,
            dynamodb_table=state.lock_table,
        )
        # The S3 lockfile (Terraform >= 1.10) is not in cdktf 0.21's S3Backend props yet.
        self.add_override("terraform.backend.s3.use_lockfile", True)
        for key, value in (local.backend_overrides() if local else {}).items():
            self.add_override(f"terraform.backend.s3.{key}", value)

    def _outputs(self, name: str) -> None:
        # Declared on the stack, not in components, so they keep the original template's names.
        network, keys, db, fs = self.network, self.encryption, self.database, self.file_storage
        outputs: dict[str, tuple[str | float, str]] = {
            "VPCId": (network.vpc.id, "VPC ID"),
            "PublicSubnet1Id": (network.public_subnets[0].id, "Public subnet in the first AZ"),
            "PublicSubnet2Id": (network.public_subnets[1].id, "Public subnet in the second AZ"),
            "PrivateSubnet1Id": (network.private_subnets[0].id, "Private subnet in the first AZ"),
            "PrivateSubnet2Id": (network.private_subnets[1].id, "Private subnet in the second AZ"),
            "NatGatewayId": (network.nat_gateways[0].id, "NAT gateway (the first, when one per AZ)"),
            "RDSKMSKeyId": (keys.rds.key_id, "KMS key for RDS encryption"),
            "EFSKMSKeyId": (keys.efs.key_id, "KMS key for EFS encryption"),
            "LogsKMSKeyId": (keys.logs.key_id, "KMS key for CloudWatch Logs encryption"),
            "S3KMSKeyId": (keys.s3.key_id, "KMS key for S3 encryption"),
            "SecretsKMSKeyId": (keys.secrets.key_id, "KMS key for Secrets Manager secrets"),
            "FlowLogGroupName": (network.flow_log_group.name, "Log group receiving VPC flow logs"),
            "RDSInstanceEndpoint": (db.address, "PostgreSQL host name (TLS only)"),
            "RDSInstancePort": (db.port, "PostgreSQL port"),
            "RDSInstanceArn": (db.instance.arn, "RDS instance ARN"),
            "RDSMasterSecretArn": (db.secret_arn, "Secrets Manager secret holding the master credentials"),
            "EFSFileSystemId": (fs.file_system.id, "EFS file system ID"),
            "EFSFileSystemArn": (fs.file_system.arn, "EFS file system ARN"),
            "EFSAccessPointId": (fs.access_point.id, "EFS access point for the application"),
            "ECSTaskRoleArn": (self.identity.task_role.arn, "Role the application containers run as"),
            "ECSExecutionRoleArn": (self.identity.execution_role.arn, "Role ECS starts the containers with"),
            "EnvironmentSuffix": (self.config.name, "Environment suffix used in resource names"),
            "StackName": (name, "Stack name"),
        }
        for output_id, (value, description) in outputs.items():
            TerraformOutput(self, output_id, value=value, description=description)

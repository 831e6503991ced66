"""One environment of the platform as one Terraform stack."""

from __future__ import annotations

from dataclasses import replace

from cdktf import S3Backend, TerraformOutput, TerraformStack
from constructs import Construct

from components.aws_context import AwsContext
from components.compute import DATA_PATH, Compute
from components.container import ContainerSpec
from components.container_registry import ContainerRegistry
from components.context import StackContext
from components.database import Database
from components.delivery import Delivery
from components.domain import Domain
from components.encryption import Encryption
from components.file_storage import FileStorage
from components.identity import WorkloadIdentity
from components.load_balancer import LoadBalancer
from components.network import Network
from components.observability import Observability
from components.web_firewall import WebFirewall
from config.account import state_bucket, state_object_key
from config.naming import PROJECT, Kind, Namer, stack_name, state_key_alias
from config.settings import EnvironmentConfig
from stacks.aws_provider import use_aws
from stacks.local_endpoint import LocalEndpoint
from stacks.previous_layout import move_from_previous_layout


def required_tags(config: EnvironmentConfig) -> dict[str, str]:
    """Tags every resource carries, applied through the provider's ``default_tags``."""
    return {
        "Project": PROJECT,
        "Environment": config.name,
        "EnvironmentSuffix": config.name,
        "ManagedBy": "cdktf",
        "Compliance": "HIPAA",
        # What the environment may hold; validation refuses PHI on one that serves plain HTTP.
        "DataClassification": config.data_classification.value,
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

        use_aws(self, region=config.region, tags=required_tags(config), account_id=config.account_id, local=local)
        self._backend(config, local)

        aws = AwsContext(self, "context", region=config.region, environment=config.name)
        # The keys come first: every log group of the environment is encrypted with one of them.
        self.encryption = Encryption(self, "encryption", settings=config.encryption, namer=namer, aws=aws)
        context = StackContext.of(config, namer=namer, aws=aws, logs_key=self.encryption.logs)
        self.network = Network(self, "network", settings=config.network, context=context)
        self.identity = WorkloadIdentity(self, "identity", context=context)
        self.database = Database(
            self,
            "database",
            settings=config.database,
            context=context,
            network=self.network,
            storage_key=self.encryption.rds,
            secret_key=self.encryption.secrets,
        )
        # The application logs in as its own user with IAM tokens; only the one-off migration task, which
        # creates that user, reads the master secret (at run time, with its own role).
        self.database.grant_connect(self.identity.task_role, config.database.app_username)
        self.database.grant_read_secret(self.identity.migration_role)
        self.file_storage = FileStorage(
            self,
            "file-storage",
            settings=config.file_storage,
            context=context,
            network=self.network,
            key=self.encryption.efs,
        )
        self.file_storage.grant_mount(self.identity.task_role)
        self.registry = ContainerRegistry(
            self, "registry", context=context, key=self.encryption.ecr, images_kept=config.compute.ecr_images_kept
        )
        lb_settings = config.load_balancer
        self.domain = (
            Domain(self, "domain", domain_name=lb_settings.domain_name, hosted_zone=lb_settings.hosted_zone)
            if lb_settings.domain_name and lb_settings.hosted_zone
            else None
        )
        self.load_balancer = LoadBalancer(
            self,
            "load-balancer",
            settings=lb_settings,
            app_port=config.network.app_port,
            context=context,
            network=self.network,
            domain=self.domain,
        )
        if self.domain:
            self.domain.alias_to(self.load_balancer.alb)
        self.web_firewall = WebFirewall(
            self,
            "web-firewall",
            context=context,
            load_balancer=self.load_balancer,
            rate_limit_per_5_minutes=lb_settings.waf_rate_limit_per_5_minutes,
            rule_groups=lb_settings.waf_rule_groups,
        )
        # What each container gets from the components it uses (components/container.py). Both run as
        # the file storage access point's POSIX user.
        uid, gid = config.file_storage.posix_uid, config.file_storage.posix_gid
        app, migration = ContainerSpec(uid=uid, gid=gid), ContainerSpec(uid=uid, gid=gid)
        self.database.bind(app, username=config.database.app_username)
        self.file_storage.bind(app, DATA_PATH)
        self.database.bind(migration, username=config.database.app_username, master_secret=True)
        self.compute = Compute(
            self,
            "compute",
            settings=config.compute,
            app_port=config.network.app_port,
            context=context,
            network=self.network,
            identity=self.identity,
            registry=self.registry,
            load_balancer=self.load_balancer,
            container=app,
            migration=migration,
        )
        # Who talks to whom, SG to SG (the ALB's internet listeners and the tasks' HTTPS egress, which
        # reaches ECR, Secrets Manager and CloudWatch through the NAT, are the components' own):
        # internet -80/443-> alb -app_port-> ecs -5432-> rds, -2049-> efs
        self.compute.allow_from(self.load_balancer)
        self.database.allow_from(self.compute)
        self.file_storage.allow_from(self.compute)
        # An environment adopted from a running TapStack has its own source archive at the key: never seed
        # over it (the seed would replace it with the reference application and release that).
        delivery = config.delivery if config.adopted is None else replace(config.delivery, seed_source=False)
        self.delivery = Delivery(
            self,
            "delivery",
            settings=delivery,
            context=context,
            artifacts_key=self.encryption.s3,
            registry=self.registry,
            compute=self.compute,
        )
        # The artifact bucket's server access logs go to the load balancer's log archive (SSE-S3, which
        # S3 server access logging requires of its target, as ALB log delivery does).
        self.delivery.artifacts.log_access_to(self.load_balancer.access_logs, aws)
        self.observability = Observability(
            self,
            "observability",
            settings=config.observability,
            context=context,
            key=self.encryption.sns,
            compute=self.compute,
            database=self.database,
            load_balancer=self.load_balancer,
        )
        self.observability.route_events(
            "pipeline-failed",
            name=namer.name(Kind.PIPELINE_FAILED),
            description="A failed release reaches the alarm topic",
            pattern=self.delivery.failure_pattern(),
        )
        move_from_previous_layout(self)
        if local:
            local.adapt(self)
        self._outputs(name)

    def _backend(self, config: EnvironmentConfig, local: LocalEndpoint | None) -> None:
        state = config.state
        S3Backend(
            self,
            bucket=state_bucket(config),
            key=state_object_key(config),
            region=state.region,
            encrypt=True,
            # Without it the backend asks S3 for SSE-S3; with it, state is encrypted with the bootstrap's key.
            kms_key_id=state_key_alias(),
            dynamodb_table=state.lock_table,
        )
        # The S3 lockfile (Terraform >= 1.10) is not in cdktf 0.21's S3Backend props yet.
        self.add_override("terraform.backend.s3.use_lockfile", True)
        for key, value in (local.backend_overrides() if local else {}).items():
            self.add_override(f"terraform.backend.s3.{key}", value)

    def _outputs(self, name: str) -> None:
        # Declared on the stack, not in components, so they keep the original template's names.
        network, keys, db, fs = self.network, self.encryption, self.database, self.file_storage
        ecs, lb = self.compute, self.load_balancer
        outputs: dict[str, tuple[str | float, str]] = {
            "VPCId": (network.vpc.id, "VPC ID"),
            # One per AZ, as many as the environment has (two or more).
            **{
                f"{tier.title()}Subnet{i + 1}Id": (subnet.id, f"{tier.title()} subnet in the {_ordinal(i + 1)} AZ")
                for tier, subnets in (("public", network.public_subnets), ("private", network.private_subnets))
                for i, subnet in enumerate(subnets)
            },
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
            "RDSAppUsername": (self.config.database.app_username, "Database user the application logs in as (IAM)"),
            "EFSFileSystemId": (fs.file_system.id, "EFS file system ID"),
            "EFSFileSystemArn": (fs.file_system.arn, "EFS file system ARN"),
            "EFSAccessPointId": (fs.access_point.id, "EFS access point for the application"),
            "ECSClusterName": (ecs.cluster.name, "ECS cluster name"),
            "ECSClusterArn": (ecs.cluster.arn, "ECS cluster ARN"),
            "ECSServiceName": (ecs.service.name, "ECS service name"),
            "ECSServiceArn": (ecs.service.id, "ECS service ARN"),
            "ECSTaskDefinitionFamily": (ecs.task_definition.family, "Task definition family the pipeline deploys"),
            "ECSMigrationTaskDefinitionFamily": (
                ecs.migration_task.definition.family,
                "One-off task creating the app's database user and schema (python -m app.migrate)",
            ),
            "ECSLogGroupName": (ecs.log_group.name, "Log group of the application containers"),
            "LoadBalancerDNS": (lb.dns_name, "DNS name of the internet-facing load balancer"),
            "LoadBalancerArn": (lb.alb.arn, "Load balancer ARN"),
            "LoadBalancerURL": (
                f"{'https' if lb.https else 'http'}://{self.domain.domain_name if self.domain else lb.dns_name}",
                "URL of the application",
            ),
            "WebACLArn": (self.web_firewall.web_acl.arn, "WAF web ACL in front of the load balancer"),
            "TargetGroupArn": (lb.target_group.arn, "Target group of the application"),
            "ALBAccessLogsBucketName": (lb.access_logs.name, "Bucket receiving the load balancer access logs"),
            "ECRRepositoryUrl": (self.registry.url, "Image repository the pipeline pushes to"),
            "ECRKMSKeyId": (keys.ecr.key_id, "KMS key for ECR images"),
            "PipelineName": (self.delivery.pipeline.name, "Release pipeline"),
            "PipelineArn": (self.delivery.pipeline.arn, "Release pipeline ARN"),
            "ArtifactBucketName": (self.delivery.artifacts.name, "Pipeline artifact bucket (and the S3 source)"),
            "SourceObjectKey": (self.config.delivery.source_object_key, "Upload a zip here to release (S3 source)"),
            "BuildProjectName": (self.delivery.project.name, "CodeBuild project building the image"),
            "AlarmTopicArn": (self.observability.topic.arn, "SNS topic every alarm notifies"),
            "DashboardName": (self.observability.dashboard.dashboard_name, "CloudWatch dashboard"),
            "SNSKMSKeyId": (keys.sns.key_id, "KMS key for the alarm topic"),
            "ECSTaskRoleArn": (self.identity.task_role.arn, "Role the application containers run as"),
            "ECSExecutionRoleArn": (self.identity.execution_role.arn, "Role ECS starts the containers with"),
            "EnvironmentSuffix": (self.config.name, "Environment suffix used in resource names"),
            "StackName": (name, "Stack name"),
        }
        for output_id, (value, description) in outputs.items():
            TerraformOutput(self, output_id, value=value, description=description)


def _ordinal(n: int) -> str:
    """``first``, ``second``, ... as the original template's outputs say it (no region has more than six AZs)."""
    words = ("first", "second", "third", "fourth", "fifth", "sixth")
    return words[n - 1]

"""RDS PostgreSQL: private, encrypted, TLS-only, with an RDS-managed and rotated master secret."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from components.aws_context import AwsContext
from components.compliance import suppress
from components.connections import POSTGRES_PORT, Connections, Reachable, Tier
from components.container import ContainerSpec
from components.context import StackContext
from components.encryption import EncryptionKey
from components.iam import Statement, grant, service_role
from components.network import Network
from config.naming import RDS_LOG_EXPORTS, Kind, Namer
from config.settings import DatabaseSettings

# Connection hygiene the HIPAA audit-control safeguard expects; rds.force_ssl refuses any client
# that does not negotiate TLS, whatever the application is configured to do.
PARAMETERS: dict[str, str] = {
    "rds.force_ssl": "1",
    "log_connections": "1",
    "log_disconnections": "1",
}
# The engine version the first deployments were created with: their group keeps its unsuffixed name.
FIRST_ENGINE_VERSION = "16"


def parameter_group_name(namer: Namer, engine_version: str) -> str:
    """``healthtech-db-params-{env}`` for PostgreSQL 16, ``healthtech-db-params-pg17-{env}`` for 17.

    The provider replaces the group when its name, family or description changes (aws_db_parameter_group
    docs: each "Forces new resource"), and it must be replaced create-before-destroy, which the same docs
    call "necessary for modifications that force re-creation of an existing, in-use parameter group" (the
    instance cannot let go of its group before the new one exists). So no replacement may reuse the old
    name: the name changes with the family, and the description is one constant (PARAMETER_GROUP_DESCRIPTION)
    that deployed groups hold (tests/stacks/test_previous_layout.py fails on a change to it). Not
    ``name_prefix``, which would survive any replacement: names come from config/naming.py
    (tests/policy/test_names.py), and switching would replace every deployed group.
    """
    if engine_version == FIRST_ENGINE_VERSION:
        return namer.name(Kind.DB_PARAMS)
    return namer.name(Kind.DB_PARAMS_VERSIONED, purpose=f"pg{engine_version}")


# The parameter group's description: it replaces the group when it changes (parameter_group_name).
PARAMETER_GROUP_DESCRIPTION = "TLS-only connections with connection logging"

# RDS's CA with RSA-2048 keys valid until 2061; clients verify the server against it.
CA_CERTIFICATE = "rds-ca-rsa2048-g1"


class Database(Construct):
    """A PostgreSQL instance in the private subnets, reachable only from the ECS security group."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: DatabaseSettings,
        context: StackContext,
        network: Network,
        storage_key: EncryptionKey,
        secret_key: EncryptionKey,
    ) -> None:
        super().__init__(scope, id)
        namer, aws, deletion_protection = context.namer, context.aws, context.deletion_protection
        self._secret_key = secret_key
        self._aws = aws
        self._database_name = settings.database_name
        self.connections = Connections(
            self,
            "connections",
            tier=Tier.RDS,
            description="PostgreSQL: 5432 from ECS tasks only",
            vpc_id=network.vpc.id,
            context=context,
            port=POSTGRES_PORT,
        )
        subnet_group = DbSubnetGroup(
            self,
            "subnet-group",
            name=namer.name(Kind.DB_SUBNET_GROUP),
            description="Private subnets only",
            subnet_ids=[s.id for s in network.private_subnets],
        )
        parameters = DbParameterGroup(
            self,
            "parameters",
            name=parameter_group_name(namer, settings.engine_version),
            family=f"postgres{settings.engine_version}",
            description=PARAMETER_GROUP_DESCRIPTION,
            parameter=[DbParameterGroupParameter(name=k, value=v) for k, v in PARAMETERS.items()],
            # Kept: the instance cannot let go of its group before a new one exists. A family change (the
            # only setting that replaces the group) also changes its name (parameter_group_name).
            lifecycle={"create_before_destroy": True},
        )
        # Created before the instance so RDS writes its log exports into encrypted, expiring groups
        # instead of creating unencrypted ones that never expire.
        log_groups = [
            context.log_group(self, f"log-group-{export}", name=namer.name(Kind.RDS_LOG_GROUP, purpose=export))
            for export in RDS_LOG_EXPORTS
        ]
        monitoring = self._monitoring_role(namer, aws) if settings.enhanced_monitoring_interval_seconds else None
        monitoring_role = monitoring[0] if monitoring else None

        self.instance = DbInstance(
            self,
            "instance",
            identifier=namer.name(Kind.POSTGRES),
            engine="postgres",
            engine_version=settings.engine_version,
            auto_minor_version_upgrade=True,
            allow_major_version_upgrade=False,
            instance_class=settings.instance_class,
            storage_type="gp3",
            allocated_storage=settings.allocated_storage_gb,
            max_allocated_storage=settings.max_allocated_storage_gb,
            storage_encrypted=True,
            kms_key_id=storage_key.arn,
            db_name=settings.database_name,
            username=settings.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=secret_key.arn,
            iam_database_authentication_enabled=True,
            port=POSTGRES_PORT,
            multi_az=settings.multi_az,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[self.connections.id],
            publicly_accessible=False,
            parameter_group_name=parameters.name,
            ca_cert_identifier=CA_CERTIFICATE,
            enabled_cloudwatch_logs_exports=list(RDS_LOG_EXPORTS),
            performance_insights_enabled=True,
            performance_insights_kms_key_id=storage_key.arn,
            performance_insights_retention_period=settings.performance_insights_retention_days,
            monitoring_interval=settings.enhanced_monitoring_interval_seconds,
            monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
            backup_retention_period=settings.backup_retention_days,
            backup_window=settings.backup_window,
            maintenance_window=settings.maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=not deletion_protection,
            deletion_protection=deletion_protection,
            skip_final_snapshot=not settings.final_snapshot,
            final_snapshot_identifier=namer.name(Kind.POSTGRES_FINAL) if settings.final_snapshot else None,
            apply_immediately=settings.apply_immediately,
            tags={"Name": namer.name(Kind.POSTGRES)},
            # RDS checks the monitoring role's permissions when the instance is created.
            depends_on=[*log_groups, *([monitoring[1]] if monitoring else [])],
        )
        self._explain_cheaper_settings(settings, deletion_protection)

    def _explain_cheaper_settings(self, settings: DatabaseSettings, deletion_protection: bool) -> None:
        # Each is a setting that prod keeps at the safe default (tests/policy assert prod's values).
        if not deletion_protection:
            suppress(
                self.instance,
                "CKV_AWS_293",
                "deletion_protection is off only where the environment sets it so (dev must stay destroyable)",
            )
        if not settings.multi_az:
            suppress(
                self.instance,
                "CKV_AWS_157",
                "database.multi_az is off only where the environment sets it so (dev: no real data, half the cost)",
            )
        if not settings.enhanced_monitoring_interval_seconds:
            suppress(
                self.instance,
                "CKV_AWS_118",
                "enhanced OS metrics are off outside prod for cost; Performance Insights and basic metrics remain on",
            )

    def _monitoring_role(self, namer: Namer, aws: AwsContext) -> tuple[IamRole, IamRolePolicyAttachment]:
        role = service_role(
            self,
            "monitoring-role",
            name=namer.name(Kind.RDS_MONITORING_ROLE),
            service="monitoring.rds.amazonaws.com",
            aws=aws,
            description="RDS enhanced monitoring: OS metrics to CloudWatch Logs",
        )
        # The AWS-managed policy is scoped by AWS to the RDSOSMetrics log group and its streams.
        attachment = IamRolePolicyAttachment(
            self,
            "monitoring-policy",
            role=role.name,
            policy_arn=f"arn:{aws.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )
        return role, attachment

    @property
    def secret_arn(self) -> str:
        """ARN of the master user secret that RDS creates and rotates in Secrets Manager."""
        return self.instance.master_user_secret.get(0).secret_arn

    @property
    def address(self) -> str:
        return self.instance.address

    @property
    def port(self) -> float:
        return self.instance.port

    def allow_from(self, peer: Reachable) -> None:
        """Let ``peer`` reach PostgreSQL (5432), SG to SG."""
        self.connections.allow_from(peer)

    def bind(self, container: ContainerSpec, *, username: str, master_secret: bool = False) -> None:
        """Give ``container`` what it needs to reach this database as ``username``: host, port, name,
        user and ``PGSSLMODE=verify-full`` (TLS with a host name check against the RDS CA; the server
        refuses non-TLS anyway); with ``master_secret``, the master secret's ARN, never its value (only
        the migration task gets it, and reads the current version at run time)."""
        container.set("DB_HOST", self.address)
        container.set("DB_NAME", self._database_name)
        container.set("DB_PORT", str(POSTGRES_PORT))
        container.set("DB_USER", username)
        container.set("PGSSLMODE", "verify-full")
        if master_secret:
            container.set("DB_MASTER_SECRET_ARN", self.secret_arn)

    def grant_connect(self, role: IamRole, username: str) -> IamRolePolicy:
        """Let ``role`` log in as the PostgreSQL user ``username`` with an IAM authentication token, and
        nothing else: ``rds-db:connect`` on that one user of this instance (RDS user guide, "Creating and
        using an IAM policy for IAM database access": the resource is
        ``arn:{partition}:rds-db:{region}:{account}:dbuser:{DbiResourceId}/{user}``). Returns the policy.
        """
        statement = Statement(
            actions="rds-db:connect",
            resources=self._aws.arn("rds-db", f"dbuser:{self.instance.resource_id}/{username}"),
        )
        return grant(self, f"connect-{role.node.id}", role=role, name="connect-to-database", statements=[statement])

    def grant_read_secret(self, role: IamRole) -> IamRolePolicy:
        """Let ``role`` read the master secret (and decrypt it with its key), nothing else; returns the policy."""
        return grant(
            self,
            f"read-secret-{role.node.id}",
            role=role,
            name="read-database-secret",
            statements=[
                Statement(
                    actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    resources=self.secret_arn,
                ),
                self._secret_key.decrypt_statement(),
            ],
        )

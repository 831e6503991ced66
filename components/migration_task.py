"""The one-off migration task: ``python -m app.migrate`` as its own task definition, which the release runs.

It creates the application's database user and schema as the master user, reading the RDS-managed master
secret at run time; its task role is the only one that may read that secret (Database.grant_read_secret).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinition,
    EcsTaskDefinitionRuntimePlatform,
    EcsTaskDefinitionVolume,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from constructs import Construct

from components.container import ContainerSpec, awslogs, hardened
from components.context import StackContext
from components.identity import WorkloadIdentity
from components.network import Network
from config.naming import Kind

SCRATCH_PATH = "/tmp"  # the root filesystem is read-only; this task-local volume is the only scratch space
MIGRATION_COMMAND = ["python", "-m", "app.migrate"]
MIGRATION_CONTAINER = "migrate"
# A migration is a few idempotent SQL statements: the smallest Fargate size.
MIGRATION_CPU = 256
MIGRATION_MEMORY_MIB = 512


@dataclass(frozen=True, kw_only=True)
class OneOffTask:
    """A task definition that a release step starts with ``ecs:RunTask`` (and may pass both roles for),
    with the network it must run in: the private subnets and the tasks' security group, which reaches
    PostgreSQL and, through the NAT, Secrets Manager."""

    definition: EcsTaskDefinition
    task_role: IamRole
    execution_role: IamRole
    container_name: str
    subnet_ids: list[str]
    security_group_ids: list[str]


def migration_task(
    scope: Construct,
    *,
    context: StackContext,
    network: Network,
    identity: WorkloadIdentity,
    image: str,
    spec: ContainerSpec,
    log_group: CloudwatchLogGroup,
    security_group_id: str,
) -> OneOffTask:
    """``python -m app.migrate`` as its own task definition: the application's image, user and
    read-only root filesystem, its own task role (the only one that may read the master secret),
    the shared execution role (image pull, logs), no port and no file system."""
    region = context.aws.region
    spec.set("AWS_REGION", region)
    spec.mount(EcsTaskDefinitionVolume(name="scratch"), SCRATCH_PATH)
    container = {
        "name": MIGRATION_CONTAINER,
        "image": image,
        "essential": True,
        "command": MIGRATION_COMMAND,
        **hardened(spec.uid, spec.gid),
        "mountPoints": spec.rendered_mounts(),
        "environment": spec.rendered_environment(),
        "logConfiguration": awslogs(log_group.name, region, MIGRATION_CONTAINER),
    }
    definition = EcsTaskDefinition(
        scope,
        "migrate-task",
        family=context.namer.name(Kind.MIGRATE_TASK),
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu=str(MIGRATION_CPU),
        memory=str(MIGRATION_MEMORY_MIB),
        execution_role_arn=identity.execution_role.arn,
        task_role_arn=identity.migration_role.arn,
        runtime_platform=EcsTaskDefinitionRuntimePlatform(operating_system_family="LINUX", cpu_architecture="X86_64"),
        container_definitions=json.dumps([container]),
        volume=spec.volumes(),
    )
    return OneOffTask(
        definition=definition,
        task_role=identity.migration_role,
        execution_role=identity.execution_role,
        container_name=MIGRATION_CONTAINER,
        subnet_ids=[s.id for s in network.private_subnets],
        security_group_ids=[security_group_id],
    )

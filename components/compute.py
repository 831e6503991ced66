"""The application on ECS Fargate: cluster, task definition, service and its autoscaling, and the
one-off migration task definition.

The container runs as the non-root application user with a read-only root filesystem, logs in to the
database as its own user (``DB_USER``) with an IAM authentication token its task role signs (no
password, no secret in the task definition), and mounts the EFS access point over TLS with IAM
authorization. Tasks run in the private subnets without public IPs.

The migration task (``python -m app.migrate``, same image) is the only one that reads the master
secret, at run time, with its own task role; a release step runs it with ``ecs:RunTask`` before the
service rolls (``Compute.migration_task``).
"""

from __future__ import annotations

import json
from typing import Any

from cdktf_cdktf_provider_aws.appautoscaling_policy import AppautoscalingPolicy
from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration as TargetTracking,
)
from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification as PredefinedMetric,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.ecs_cluster import EcsCluster, EcsClusterSetting
from cdktf_cdktf_provider_aws.ecs_cluster_capacity_providers import (
    EcsClusterCapacityProviders,
    EcsClusterCapacityProvidersDefaultCapacityProviderStrategy,
)
from cdktf_cdktf_provider_aws.ecs_service import (
    EcsService,
    EcsServiceCapacityProviderStrategy,
    EcsServiceDeploymentCircuitBreaker,
    EcsServiceLoadBalancer,
    EcsServiceNetworkConfiguration,
)
from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinition,
    EcsTaskDefinitionRuntimePlatform,
    EcsTaskDefinitionVolume,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from components.compliance import allow_any_resource, explain_lint
from components.connections import HTTPS_PORT, Connections, Reachable, Tier
from components.container import ContainerSpec, awslogs, hardened
from components.container_registry import ContainerRegistry
from components.context import StackContext
from components.iam import Statement, grant, policies_of
from components.identity import WorkloadIdentity
from components.load_balancer import LoadBalancer
from components.logs import write_statement
from components.migration_task import SCRATCH_PATH, migration_task
from components.network import Network
from config.naming import Kind, Namer
from config.settings import ComputeSettings

DATA_PATH = "/mnt/data"
SCALE_IN_COOLDOWN_SECONDS = 300
CONTAINER_START_PERIOD_MAX = 300
SCALE_OUT_COOLDOWN_SECONDS = 60
TASK_DEFINITIONS_SID = "EcsTaskDefinitionsHaveNoResourceLevelPermission"
SCALABLE_TARGETS_SID = "DescribeScalableTargetsHasNoResourceLevelPermission"
HEALTH_CHECK_COMMAND = ["CMD", "python", "-m", "app.healthcheck"]  # the image's own Python: no curl, no shell


class Compute(Construct):
    """Cluster, task definition, service wired to the load balancer, and CPU/memory target tracking."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: ComputeSettings,
        app_port: int,
        context: StackContext,
        network: Network,
        identity: WorkloadIdentity,
        registry: ContainerRegistry,
        load_balancer: LoadBalancer,
        container: ContainerSpec,
        migration: ContainerSpec,
    ) -> None:
        """``container``: what the components the application uses bound to it (database, file storage);
        ``migration``: the same for the one-off migration task. Compute adds its own (region, port, the
        load balancer's health path, the scratch volume) and renders each into its task definition."""
        super().__init__(scope, id)
        namer = context.namer
        self.settings = settings
        self._aws = context.aws
        self._task_role = identity.task_role
        self.connections = Connections(
            self,
            "connections",
            tier=Tier.ECS,
            description="ECS tasks: application port from the load balancer only",
            vpc_id=network.vpc.id,
            context=context,
            port=app_port,
        )
        self.connections.allow_to_anywhere(
            HTTPS_PORT,
            id="ecs-egress-https",
            description="tasks to AWS APIs (ECR, Secrets Manager, CloudWatch) through the NAT",
        )
        self.cluster = EcsCluster(
            self,
            "cluster",
            name=namer.name(Kind.CLUSTER),
            setting=[EcsClusterSetting(name="containerInsights", value="enabled")],
        )
        capacity_providers = EcsClusterCapacityProviders(
            self,
            "capacity-providers",
            cluster_name=self.cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"] if settings.fargate_spot else ["FARGATE"],
            default_capacity_provider_strategy=[
                EcsClusterCapacityProvidersDefaultCapacityProviderStrategy(capacity_provider="FARGATE", weight=1)
            ],
        )
        self.log_group = context.log_group(self, "log-group", name=namer.name(Kind.APP_LOG_GROUP))
        registry.grant_pull(identity.execution_role)
        grant(
            self,
            "write-logs",
            role=identity.execution_role,
            name="write-application-logs",
            statements=[write_statement(self.log_group)],
        )
        # Compute's own contributions are added before the volumes render.
        app = self._container(app_port, load_balancer, registry, container)
        self.task_definition = EcsTaskDefinition(
            self,
            "task",
            family=namer.name(Kind.TASK),
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(settings.cpu),
            memory=str(settings.memory_mib),
            execution_role_arn=identity.execution_role.arn,
            task_role_arn=identity.task_role.arn,
            runtime_platform=EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            container_definitions=json.dumps([app]),
            volume=container.volumes(),
        )
        self.service = EcsService(
            self,
            "service",
            name=namer.name(Kind.SERVICE),
            cluster=self.cluster.id,
            task_definition=self.task_definition.arn,
            # No task before the first release: the template's image is a placeholder nothing pushes.
            # The release sets compute.desired_count when it finds the service at 0.
            desired_count=0,
            capacity_provider_strategy=_capacity_strategy(settings),
            platform_version="LATEST",
            network_configuration=EcsServiceNetworkConfiguration(
                subnets=[s.id for s in network.private_subnets],
                security_groups=[self.connections.id],
                assign_public_ip=False,
            ),
            load_balancer=[
                EcsServiceLoadBalancer(
                    target_group_arn=load_balancer.target_group.arn,
                    container_name=settings.container_name,
                    container_port=app_port,
                )
            ],
            health_check_grace_period_seconds=settings.health_check_grace_period_seconds,
            deployment_circuit_breaker=EcsServiceDeploymentCircuitBreaker(enable=True, rollback=True),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            enable_execute_command=False,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            wait_for_steady_state=False,
            # Autoscaling owns the task count after the first release; applying a count again would
            # undo a scale-out in the middle of load. The release owns which task definition revision
            # runs (it registers the template with the built image, delivery/release.py); applying
            # ours again would put the service on the template's placeholder image.
            lifecycle={"ignore_changes": ["desired_count", "task_definition"]},
            # The target group must be attached to a listener before a service can register into it. The
            # first tasks need the execution role's permissions (image, logs), the EFS mount targets
            # and the NAT routes, or they fail with ResourceInitializationError and trip the circuit breaker.
            depends_on=[
                *load_balancer.listeners,
                capacity_providers,
                *policies_of(identity.execution_role),
                *container.depends_on,
                *network.private_egress,
            ],
        )
        self._autoscaling(settings, namer)
        self.migration_task = migration_task(
            self,
            context=context,
            network=network,
            identity=identity,
            image=registry.image(settings.image_tag),
            spec=migration,
            log_group=self.log_group,
            security_group_id=self.connections.id,
        )

    def grant_deploy(self, role: IamRole) -> IamRolePolicy:
        """Let ``role`` release to this service, and nothing else of ECS: register revisions of the app and
        migration families (tags copied) and pass their roles, run the migration in this cluster and read
        its task, move the service, and set the scalable target's minimum. Returns the policy attached."""
        migration, aws = self.migration_task, self._aws
        policy = grant(
            self,
            f"deploy-{role.node.id}",
            role=role,
            name="deploy-to-ecs",
            statements=[
                Statement(actions=["ecs:DescribeServices", "ecs:UpdateService"], resources=self.service.id),
                Statement(
                    sid=TASK_DEFINITIONS_SID,
                    actions=["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"],
                    resources="*",
                ),
                # The release copies the template's tags onto each new revision; ECS authorizes tag-on-create
                # separately.
                Statement(
                    actions="ecs:TagResource",
                    resources=[
                        aws.arn("ecs", f"task-definition/{self.task_definition.family}:*"),
                        aws.arn("ecs", f"task-definition/{migration.definition.family}:*"),
                    ],
                    condition={"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}},
                ),
                Statement(
                    actions="iam:PassRole",
                    resources=[self._task_role.arn, migration.execution_role.arn, migration.task_role.arn],
                    condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                ),
                # The migration: only its own family, only in this cluster; then its task's status.
                Statement(
                    actions="ecs:RunTask",
                    resources=aws.arn("ecs", f"task-definition/{migration.definition.family}:*"),
                    condition={"ArnEquals": {"ecs:cluster": self.cluster.arn}},
                ),
                Statement(actions="ecs:DescribeTasks", resources=aws.arn("ecs", f"task/{self.cluster.name}/*")),
                Statement(
                    actions="application-autoscaling:RegisterScalableTarget",
                    resources=self.scalable_target.arn,
                    condition={
                        "StringEquals": {
                            "application-autoscaling:service-namespace": "ecs",
                            "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount",
                        }
                    },
                ),
                Statement(
                    sid=SCALABLE_TARGETS_SID, actions="application-autoscaling:DescribeScalableTargets", resources="*"
                ),
            ],
        )
        allow_any_resource(
            policy,
            TASK_DEFINITIONS_SID,
            "ecs:DescribeTaskDefinition and ecs:RegisterTaskDefinition support no resource-level permission; "
            "the roles a new revision may use are limited by the iam:PassRole statement beside it",
        )
        explain_lint(
            policy,
            TASK_DEFINITIONS_SID,
            "RESOURCE_STAR",
            "parliament's copy of the SAR lists a task-definition resource for ecs:RegisterTaskDefinition: it "
            "stays on * until a real account shows that ECS authorizes a new revision by its family's ARN; "
            "the roles a revision may use are limited by the iam:PassRole statement beside it",
        )
        allow_any_resource(
            policy,
            SCALABLE_TARGETS_SID,
            "application-autoscaling:DescribeScalableTargets supports no resource-level permission; it only "
            "reads scaling settings, and the one write is scoped to this service's scalable target",
        )
        return policy

    def allow_from(self, peer: Reachable) -> None:
        """Let ``peer`` (the load balancer) reach the tasks on the application port, SG to SG."""
        self.connections.allow_from(peer)

    def _container(
        self, port: int, load_balancer: LoadBalancer, registry: ContainerRegistry, spec: ContainerSpec
    ) -> dict[str, Any]:
        settings, region = self.settings, self._aws.region
        spec.set("AWS_REGION", region)
        # The target group's path: the server answers it, and the container health check asks it.
        spec.set("HEALTH_PATH", load_balancer.health_check_path)
        spec.set("PORT", str(port))
        spec.mount(EcsTaskDefinitionVolume(name="scratch"), SCRATCH_PATH)
        return {
            "name": settings.container_name,
            "image": registry.image(settings.image_tag),
            "essential": True,
            "portMappings": [{"containerPort": port, "hostPort": port, "protocol": "tcp"}],
            **hardened(spec.uid, spec.gid),
            "mountPoints": spec.rendered_mounts(),
            # No `secrets`: the application logs in as DB_USER with an IAM token its task role signs
            # (Database.grant_connect), so there is no password to inject.
            "environment": spec.rendered_environment(),
            "logConfiguration": awslogs(self.log_group.name, region, settings.container_name),
            "healthCheck": {
                "command": HEALTH_CHECK_COMMAND,
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                # ECS accepts at most 300 s here; the service's grace period covers any longer start.
                "startPeriod": min(settings.health_check_grace_period_seconds, CONTAINER_START_PERIOD_MAX),
            },
        }

    def _autoscaling(self, settings: ComputeSettings, namer: Namer) -> None:
        self.scalable_target = AppautoscalingTarget(
            self,
            "scalable-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=f"service/{self.cluster.name}/{self.service.name}",
            # RegisterScalableTarget moves the current count into [min, max]: a minimum above 0 here would
            # start tasks of the placeholder image before the first release. The release registers
            # compute.min_capacity once the service is stable on a real image; the apply owns the maximum.
            min_capacity=0,
            max_capacity=settings.max_capacity,
            lifecycle={"ignore_changes": ["min_capacity"]},
        )
        for kind, metric, target in (
            (Kind.SCALE_CPU, "ECSServiceAverageCPUUtilization", settings.cpu_target_percent),
            (Kind.SCALE_MEMORY, "ECSServiceAverageMemoryUtilization", settings.memory_target_percent),
        ):
            AppautoscalingPolicy(
                self,
                kind.value,  # a construct id must be a plain str for jsii
                name=namer.name(kind),
                policy_type="TargetTrackingScaling",
                service_namespace=self.scalable_target.service_namespace,
                scalable_dimension=self.scalable_target.scalable_dimension,
                resource_id=self.scalable_target.resource_id,
                target_tracking_scaling_policy_configuration=TargetTracking(
                    target_value=target,
                    predefined_metric_specification=PredefinedMetric(predefined_metric_type=metric),
                    scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS,
                    scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS,
                ),
            )


def _capacity_strategy(settings: ComputeSettings) -> list[EcsServiceCapacityProviderStrategy]:
    if not settings.fargate_spot:
        return [EcsServiceCapacityProviderStrategy(capacity_provider="FARGATE", weight=1)]
    # One task always on regular Fargate so a Spot reclaim never takes the service to zero.
    return [
        EcsServiceCapacityProviderStrategy(capacity_provider="FARGATE", base=1, weight=1),
        EcsServiceCapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=3),
    ]

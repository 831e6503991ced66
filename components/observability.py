"""Alarms that reach someone: an encrypted SNS topic, the platform's alarms and a dashboard.

The original template's alarms had no action. Here every alarm notifies the topic when it fires and
when it recovers, and a failed pipeline execution is routed to the same topic through EventBridge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from components.compute import Compute
from components.context import StackContext
from components.database import Database
from components.encryption import EncryptionKey
from components.iam import Effect, Statement, policy_document
from components.load_balancer import LoadBalancer
from config.naming import Kind
from config.settings import ObservabilitySettings

GIB = 1024**3


@dataclass(frozen=True, kw_only=True)
class AlarmSpec:
    """One alarm: which metric, which statistic, and the threshold that breaches it."""

    name: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str
    comparison: str
    threshold: float
    description: str


class Observability(Construct):
    """The alarm topic, the alarms on compute, database and load balancer, and the dashboard."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: ObservabilitySettings,
        context: StackContext,
        key: EncryptionKey,
        compute: Compute,
        database: Database,
        load_balancer: LoadBalancer,
    ) -> None:
        super().__init__(scope, id)
        self._namer = namer = context.namer
        self.topic = SnsTopic(self, "topic", name=namer.name(Kind.ALARMS), kms_master_key_id=key.arn)
        self.topic_policy = SnsTopicPolicy(
            self,
            "topic-policy",
            arn=self.topic.arn,
            policy=policy_document(
                Statement(
                    sid="AlarmsAndRulesOfThisAccountPublish",
                    principal={"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
                    actions="sns:Publish",
                    resources=self.topic.arn,
                    condition={"StringEquals": {"aws:SourceAccount": context.aws.account_id}},
                ),
                Statement(
                    sid="DenyWithoutTls",
                    effect=Effect.DENY,
                    principal={"AWS": "*"},
                    actions="sns:Publish",
                    resources=self.topic.arn,
                    condition={"Bool": {"aws:SecureTransport": "false"}},
                ),
            ),
        )
        if settings.alarm_email:
            SnsTopicSubscription(
                self, "email", topic_arn=self.topic.arn, protocol="email", endpoint=settings.alarm_email
            )
        self.specs = _alarm_specs(settings, compute, database, load_balancer)
        self.alarms = [self._alarm(spec, settings) for spec in self.specs]
        self._dashboard(context.aws.region)

    def _alarm(self, spec: AlarmSpec, settings: ObservabilitySettings) -> CloudwatchMetricAlarm:
        thresholds = settings.thresholds
        return CloudwatchMetricAlarm(
            self,
            f"alarm-{spec.name}",
            alarm_name=self._namer.name(Kind.ALARM, purpose=spec.name),
            alarm_description=spec.description,
            namespace=spec.namespace,
            metric_name=spec.metric,
            dimensions=spec.dimensions,
            statistic=spec.statistic,
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            period=thresholds.period_seconds,
            evaluation_periods=thresholds.evaluation_periods,
            # No data is normal for error counts (no traffic); for gauges it means nothing reports.
            treat_missing_data="notBreaching" if spec.statistic == "Sum" else "missing",
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
        )

    def route_events(self, id: str, *, name: str, description: str, pattern: dict[str, object]) -> None:
        """Send events matching ``pattern`` (e.g. a failed pipeline execution) to the alarm topic."""
        rule = CloudwatchEventRule(
            self, f"{id}-rule", name=name, description=description, event_pattern=json.dumps(pattern)
        )
        CloudwatchEventTarget(self, f"{id}-target", rule=rule.name, arn=self.topic.arn, target_id="alarm-topic")

    def _dashboard(self, region: str) -> None:
        widgets = [
            {
                "type": "metric",
                "x": (i % 2) * 12,
                "y": (i // 2) * 6,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": spec.description,
                    "region": region,
                    "stat": spec.statistic,
                    "period": 300,
                    "metrics": [[spec.namespace, spec.metric, *[v for kv in spec.dimensions.items() for v in kv]]],
                    "annotations": {"horizontal": [{"value": spec.threshold, "label": "alarm"}]},
                },
            }
            for i, spec in enumerate(self.specs)
        ]
        self.dashboard = CloudwatchDashboard(
            self,
            "dashboard",
            dashboard_name=self._namer.name(Kind.DASHBOARD),
            dashboard_body=json.dumps({"widgets": widgets}),
        )


def _alarm_specs(
    settings: ObservabilitySettings, compute: Compute, database: Database, load_balancer: LoadBalancer
) -> list[AlarmSpec]:
    t = settings.thresholds
    service = {"ClusterName": compute.cluster.name, "ServiceName": compute.service.name}
    db = {"DBInstanceIdentifier": database.instance.identifier}
    alb = {"LoadBalancer": load_balancer.alb.arn_suffix}
    target = {**alb, "TargetGroup": load_balancer.target_group.arn_suffix}
    above, below, at_least = "GreaterThanThreshold", "LessThanThreshold", "GreaterThanOrEqualToThreshold"
    return [
        AlarmSpec(
            name="ecs-cpu-high",
            namespace="AWS/ECS",
            metric="CPUUtilization",
            dimensions=service,
            statistic="Average",
            comparison=above,
            threshold=t.ecs_cpu_percent,
            description=f"ECS service CPU above {t.ecs_cpu_percent}%",
        ),
        AlarmSpec(
            name="ecs-memory-high",
            namespace="AWS/ECS",
            metric="MemoryUtilization",
            dimensions=service,
            statistic="Average",
            comparison=above,
            threshold=t.ecs_memory_percent,
            description=f"ECS service memory above {t.ecs_memory_percent}%",
        ),
        AlarmSpec(
            name="rds-cpu-high",
            namespace="AWS/RDS",
            metric="CPUUtilization",
            dimensions=db,
            statistic="Average",
            comparison=above,
            threshold=t.rds_cpu_percent,
            description=f"Database CPU above {t.rds_cpu_percent}%",
        ),
        AlarmSpec(
            name="rds-connections-high",
            namespace="AWS/RDS",
            metric="DatabaseConnections",
            dimensions=db,
            statistic="Average",
            comparison=above,
            threshold=t.rds_connections,
            description=f"Database connections above {t.rds_connections}",
        ),
        AlarmSpec(
            name="rds-storage-low",
            namespace="AWS/RDS",
            metric="FreeStorageSpace",
            dimensions=db,
            statistic="Minimum",
            comparison=below,
            threshold=t.rds_free_storage_gb * GIB,
            description=f"Database free storage below {t.rds_free_storage_gb} GiB",
        ),
        AlarmSpec(
            name="alb-5xx",
            namespace="AWS/ApplicationELB",
            metric="HTTPCode_ELB_5XX_Count",
            dimensions=alb,
            statistic="Sum",
            comparison=above,
            threshold=t.alb_5xx_count,
            description=f"Load balancer 5xx above {t.alb_5xx_count} per period",
        ),
        AlarmSpec(
            name="target-5xx",
            namespace="AWS/ApplicationELB",
            metric="HTTPCode_Target_5XX_Count",
            dimensions=target,
            statistic="Sum",
            comparison=above,
            threshold=t.target_5xx_count,
            description=f"Application 5xx above {t.target_5xx_count} per period",
        ),
        AlarmSpec(
            name="unhealthy-hosts",
            namespace="AWS/ApplicationELB",
            metric="UnHealthyHostCount",
            dimensions=target,
            statistic="Maximum",
            comparison=at_least,
            threshold=t.unhealthy_hosts,
            description=f"{t.unhealthy_hosts} or more unhealthy application targets",
        ),
    ]

"""The internet-facing Application Load Balancer: HTTPS with a modern TLS policy, HTTP only redirects.

An environment without a certificate gets a plain-HTTP listener only when its configuration says
``allow_plain_http`` (dev); validation refuses any other environment before this is built.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_elb_service_account import DataAwsElbServiceAccount
from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import (
    LbListener,
    LbListenerDefaultAction,
    LbListenerDefaultActionRedirect,
)
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from constructs import Construct

from components.bucket import SecureBucket
from components.compliance import suppress
from components.connections import HTTP_PORT, HTTPS_PORT, Connections, Tier
from components.context import StackContext
from components.domain import Domain
from components.iam import Statement
from components.network import Network
from config.naming import Kind
from config.settings import LoadBalancerSettings

# TLS 1.3 with TLS 1.2 as the floor and forward-secret ciphers only (HIPAA transmission security).
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
ACCESS_LOG_PREFIX = "alb"
HEALTH_CHECK_TIMEOUT_SECONDS = 5
PLAIN_HTTP_REASON = (
    "plain HTTP only where the environment sets load_balancer.allow_plain_http (dev, no PHI, no certificate); "
    "validation refuses it everywhere else, which serves HTTPS and redirects HTTP"
)


class LoadBalancer(Construct):
    """ALB in the public subnets, its access-log bucket, the application's target group and listeners."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: LoadBalancerSettings,
        app_port: int,
        context: StackContext,
        network: Network,
        domain: Domain | None = None,
    ) -> None:
        """``domain``: serve HTTPS with its DNS-validated certificate (else ``settings.certificate_arn``)."""
        super().__init__(scope, id)
        namer, aws, deletion_protection = context.namer, context.aws, context.deletion_protection
        self.connections = Connections(
            self,
            "connections",
            tier=Tier.ALB,
            description="Internet-facing load balancer: HTTPS (and HTTP redirect) in",
            vpc_id=network.vpc.id,
            context=context,
        )
        for port in (HTTPS_PORT, HTTP_PORT):
            internet = self.connections.allow_from_anywhere(
                port, id=f"alb-ingress-internet-{port}", description=f"internet to load balancer on {port}"
            )
            if port == HTTP_PORT:
                suppress(
                    internet,
                    "CKV_AWS_260",
                    "public load balancer: port 80 only redirects to HTTPS, except where the environment sets "
                    "load_balancer.allow_plain_http (dev, no PHI)",
                )
        self.access_logs = SecureBucket(
            self,
            "access-logs",
            name=namer.name(Kind.ALB_LOGS, account=aws.account_id),
            key=None,
            sse_s3_reason="ALB access log delivery writes only to buckets encrypted with SSE-S3 (AES256)",
            expire_after_days=settings.access_log_retention_days,
            force_destroy=context.force_destroy,
        )
        self.access_logs.explain_no_event_notifications(
            "a write-only log archive: nothing reacts to new log objects, they are read during investigations"
        )
        # The regional Elastic Load Balancing account writes the logs (the provider knows it per region).
        elb_account = DataAwsElbServiceAccount(self, "elb-account")
        self.access_logs.add_to_policy(
            Statement(
                sid="ElbDeliversAccessLogs",
                principal={"AWS": elb_account.arn},
                actions="s3:PutObject",
                resources=self.access_logs.objects_arn(f"{ACCESS_LOG_PREFIX}/AWSLogs/{aws.account_id}/"),
            )
        )
        self.alb = Lb(
            self,
            "alb",
            name=namer.name(Kind.ALB),
            load_balancer_type="application",
            internal=False,
            security_groups=[self.connections.id],
            subnets=[s.id for s in network.public_subnets],
            drop_invalid_header_fields=True,
            enable_deletion_protection=deletion_protection,
            idle_timeout=settings.idle_timeout_seconds,
            access_logs=LbAccessLogs(bucket=self.access_logs.name, prefix=ACCESS_LOG_PREFIX, enabled=True),
            # ELB test-writes to the bucket when logging is turned on: the policy must exist first.
            depends_on=[self.access_logs.policy],
        )
        self.health_check_path = settings.health_check_path
        self.target_group = LbTargetGroup(
            self,
            "target-group",
            name=namer.name(Kind.TG),
            port=app_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=network.vpc.id,
            deregistration_delay=str(settings.deregistration_delay_seconds),
            health_check=LbTargetGroupHealthCheck(
                enabled=True,
                protocol="HTTP",
                port="traffic-port",
                path=settings.health_check_path,
                matcher=settings.health_check_matcher,
                interval=settings.health_check_interval_seconds,
                timeout=min(HEALTH_CHECK_TIMEOUT_SECONDS, settings.health_check_interval_seconds - 1),
                healthy_threshold=settings.healthy_threshold,
                unhealthy_threshold=settings.unhealthy_threshold,
            ),
        )
        if not deletion_protection:
            suppress(
                self.alb,
                "CKV_AWS_150",
                "deletion protection is off only where the environment sets it so (dev must stay destroyable)",
            )
        forward = LbListenerDefaultAction(type="forward", target_group_arn=self.target_group.arn)
        certificate_arn = settings.certificate_arn or (domain.certificate_arn if domain else None)
        self.https = certificate_arn is not None
        if certificate_arn is not None:
            self.listeners = [
                LbListener(
                    self,
                    "https",
                    load_balancer_arn=self.alb.arn,
                    port=HTTPS_PORT,
                    protocol="HTTPS",
                    ssl_policy=TLS_POLICY,
                    certificate_arn=certificate_arn,
                    default_action=[forward],
                ),
                LbListener(
                    self,
                    "http-redirect",
                    load_balancer_arn=self.alb.arn,
                    port=HTTP_PORT,
                    protocol="HTTP",
                    default_action=[
                        LbListenerDefaultAction(
                            type="redirect",
                            redirect=LbListenerDefaultActionRedirect(
                                port=str(HTTPS_PORT), protocol="HTTPS", status_code="HTTP_301"
                            ),
                        )
                    ],
                ),
            ]
        else:
            http = LbListener(
                self,
                "http",
                load_balancer_arn=self.alb.arn,
                port=HTTP_PORT,
                protocol="HTTP",
                default_action=[forward],
            )
            self.listeners = [http]
            # Validation allows this branch only with load_balancer.allow_plain_http (dev: no PHI, no certificate).
            for resource, check in ((http, "CKV_AWS_2"), (http, "CKV_AWS_103"), (self.alb, "CKV2_AWS_20"),
                                    (self.target_group, "CKV_AWS_378")):  # fmt: skip
                suppress(resource, check, PLAIN_HTTP_REASON)

    @property
    def dns_name(self) -> str:
        return self.alb.dns_name

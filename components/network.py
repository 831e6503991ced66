"""VPC, subnets, gateways, routing, the tiered security groups and VPC flow logs."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.security_group_rule import SecurityGroupRule
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from constructs import Construct

from components.aws_context import AwsContext
from components.compliance import suppress
from components.encryption import EncryptionKey
from components.iam import grant, service_role
from components.logs import log_group
from config.naming import Namer
from config.settings import NetworkSettings

ANYWHERE_V4 = "0.0.0.0/0"
POSTGRES_PORT = 5432
NFS_PORT = 2049
HTTPS_PORT = 443
HTTP_PORT = 80


class Network(Construct):
    """Two public and two private subnets over two AZs, with least-privilege security tiers.

    Traffic allowed between tiers (every rule SG-to-SG except the ALB's internet listeners and the
    tasks' HTTPS egress, which reaches ECR, Secrets Manager and CloudWatch through the NAT):

    internet -80/443-> alb -app_port-> ecs -5432-> rds
                                          -2049-> efs
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: NetworkSettings,
        namer: Namer,
        aws: AwsContext,
        logs_key: EncryptionKey,
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, id)
        self._namer = namer
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=settings.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": namer.name("vpc")},
        )
        # Taking over the default SG with no rules closes it for anything that lands in it by mistake.
        DefaultSecurityGroup(self, "default-sg", vpc_id=self.vpc.id, tags={"Name": namer.name("default-sg")})

        self.public_subnets = [
            self._subnet("public", i, cidr, az)
            for i, (cidr, az) in enumerate(zip(settings.public_subnet_cidrs, settings.availability_zones, strict=True))
        ]
        self.private_subnets = [
            self._subnet("private", i, cidr, az)
            for i, (cidr, az) in enumerate(zip(settings.private_subnet_cidrs, settings.availability_zones, strict=True))
        ]
        self._routing(settings)
        self._security_groups(settings)
        self._flow_logs(settings, aws, logs_key, log_retention_days)

    def _subnet(self, tier: str, index: int, cidr: str, az: str) -> Subnet:
        return Subnet(
            self,
            f"{tier}-subnet-{index + 1}",
            vpc_id=self.vpc.id,
            cidr_block=cidr,
            availability_zone=az,
            # Nothing is launched with a public IP: the ALB and NAT get theirs explicitly.
            map_public_ip_on_launch=False,
            tags={"Name": self._namer.name(f"{tier}-subnet", index=index + 1), "Tier": tier},
        )

    def _routing(self, settings: NetworkSettings) -> None:
        namer = self._namer
        self.internet_gateway = InternetGateway(self, "igw", vpc_id=self.vpc.id, tags={"Name": namer.name("igw")})
        public_rt = RouteTable(self, "public-rt", vpc_id=self.vpc.id, tags={"Name": namer.name("public-rt")})
        Route(
            self,
            "public-default-route",
            route_table_id=public_rt.id,
            destination_cidr_block=ANYWHERE_V4,
            gateway_id=self.internet_gateway.id,
        )
        for i, subnet in enumerate(self.public_subnets):
            RouteTableAssociation(self, f"public-rta-{i + 1}", subnet_id=subnet.id, route_table_id=public_rt.id)
        self.public_route_table = public_rt

        nat_count = len(self.public_subnets) if settings.nat_gateway_per_az else 1
        self.nat_gateways: list[NatGateway] = []
        for i in range(nat_count):
            eip = Eip(self, f"nat-eip-{i + 1}", domain="vpc", tags={"Name": namer.name("nat-eip", index=i + 1)})
            self.nat_gateways.append(
                NatGateway(
                    self,
                    f"nat-{i + 1}",
                    allocation_id=eip.id,
                    subnet_id=self.public_subnets[i].id,
                    tags={"Name": namer.name("nat", index=i + 1)},
                    depends_on=[self.internet_gateway],
                )
            )
        # One private route table per AZ, so moving from a shared NAT to one per AZ changes routes only.
        self.private_route_tables: list[RouteTable] = []
        # What private workloads need before they can reach AWS APIs through the NAT (ECS waits for it).
        self.private_egress: list[Route | RouteTableAssociation] = []
        for i, subnet in enumerate(self.private_subnets):
            rt = RouteTable(
                self, f"private-rt-{i + 1}", vpc_id=self.vpc.id, tags={"Name": namer.name("private-rt", index=i + 1)}
            )
            route = Route(
                self,
                f"private-default-route-{i + 1}",
                route_table_id=rt.id,
                destination_cidr_block=ANYWHERE_V4,
                nat_gateway_id=self.nat_gateways[i % nat_count].id,
            )
            association = RouteTableAssociation(self, f"private-rta-{i + 1}", subnet_id=subnet.id, route_table_id=rt.id)
            self.private_route_tables.append(rt)
            self.private_egress.extend([route, association])

    def _security_groups(self, settings: NetworkSettings) -> None:
        def group(tier: str, description: str) -> SecurityGroup:
            name = self._namer.name(f"{tier}-sg")
            return SecurityGroup(
                self,
                f"{tier}-sg",
                name=name,
                description=description,
                vpc_id=self.vpc.id,
                tags={"Name": name, "Tier": tier},
                # No create_before_destroy: with a fixed name the new group would collide with the old one
                # (names are unique per VPC). name_prefix would avoid that but replaces every existing group
                # (name_prefix forces replacement), detaching the ALB, tasks, database and mount targets.
                # Only a description or VPC change replaces a group; a new VPC frees the name anyway.
            )

        self.alb_security_group = group("alb", "Internet-facing load balancer: HTTPS (and HTTP redirect) in")
        self.ecs_security_group = group("ecs", "ECS tasks: application port from the load balancer only")
        self.rds_security_group = group("rds", "PostgreSQL: 5432 from ECS tasks only")
        self.efs_security_group = group("efs", "EFS mount targets: NFS from ECS tasks only")

        for port in (HTTPS_PORT, HTTP_PORT):
            internet = SecurityGroupRule(
                self,
                f"alb-ingress-internet-{port}",
                type="ingress",
                security_group_id=self.alb_security_group.id,
                protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_blocks=[ANYWHERE_V4],
                description=f"internet to load balancer on {port}",
            )
            if port == HTTP_PORT:
                suppress(
                    internet,
                    "CKV_AWS_260",
                    "public load balancer: port 80 only redirects to HTTPS, except where the environment sets "
                    "load_balancer.allow_plain_http (dev, no PHI)",
                )
        SecurityGroupRule(
            self,
            "ecs-egress-https",
            type="egress",
            security_group_id=self.ecs_security_group.id,
            protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            cidr_blocks=[ANYWHERE_V4],
            description="tasks to AWS APIs (ECR, Secrets Manager, CloudWatch) through the NAT",
        )
        self.allow(
            source=self.alb_security_group, target=self.ecs_security_group, port=settings.app_port, label="alb-to-ecs"
        )
        self.allow(
            source=self.ecs_security_group, target=self.rds_security_group, port=POSTGRES_PORT, label="ecs-to-rds"
        )
        self.allow(source=self.ecs_security_group, target=self.efs_security_group, port=NFS_PORT, label="ecs-to-efs")

    def allow(self, *, source: SecurityGroup, target: SecurityGroup, port: int, label: str) -> None:
        """Allow TCP ``port`` from ``source`` to ``target``: egress on one, ingress on the other, SG to SG."""
        SecurityGroupRule(
            self,
            f"{label}-ingress",
            type="ingress",
            security_group_id=target.id,
            source_security_group_id=source.id,
            protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"{label} on {port}",
        )
        SecurityGroupRule(
            self,
            f"{label}-egress",
            type="egress",
            security_group_id=source.id,
            source_security_group_id=target.id,
            protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"{label} on {port}",
        )

    def _flow_logs(
        self, settings: NetworkSettings, aws: AwsContext, logs_key: EncryptionKey, retention_days: int
    ) -> None:
        namer = self._namer
        self.flow_log_group = log_group(
            self,
            "flow-logs-log-group",
            name=namer.name("flow-logs-log-group"),
            key=logs_key,
            retention_days=retention_days,
        )
        role = service_role(
            self,
            "flow-logs-role",
            name=namer.name("flow-logs-role"),
            service="vpc-flow-logs.amazonaws.com",
            aws=aws,
            description="VPC flow logs delivery to its own log group",
            source_arn=aws.arn("ec2", "vpc-flow-log/*"),
        )
        grant(
            self,
            "flow-logs-policy",
            role=role,
            name="write-flow-logs",
            statements=[
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogGroups",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": [self.flow_log_group.arn, f"{self.flow_log_group.arn}:*"],
                }
            ],
        )
        self.flow_log_role = role
        self.flow_log = FlowLog(
            self,
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=settings.flow_log_max_aggregation_seconds,
            tags={"Name": namer.name("flow-logs")},
        )

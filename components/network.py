"""VPC, subnets, gateways, routing and VPC flow logs.

The security groups belong to the components they protect (``components/connections.py``), so a new
data store brings its own group and this module does not change.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from constructs import Construct

from components.compliance import allow_any_resource
from components.connections import ANYWHERE_V4
from components.context import StackContext
from components.iam import Statement, grant, service_role
from config.naming import Kind
from config.settings import NetworkSettings

WRITE_FLOW_LOGS_SID = "WriteFlowLogGroup"
FIND_LOG_GROUPS_SID = "FindLogGroups"


class Network(Construct):
    """One public and one private subnet per Availability Zone (two or more), routed through NAT."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: NetworkSettings,
        context: StackContext,
    ) -> None:
        super().__init__(scope, id)
        self._namer = namer = context.namer
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=settings.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": namer.name(Kind.VPC)},
        )
        # Taking over the default SG with no rules closes it for anything that lands in it by mistake.
        DefaultSecurityGroup(self, "default-sg", vpc_id=self.vpc.id, tags={"Name": namer.name(Kind.DEFAULT_SG)})

        self.public_subnets = [
            self._subnet("public", i, cidr, az)
            for i, (cidr, az) in enumerate(zip(settings.public_subnet_cidrs, settings.availability_zones, strict=True))
        ]
        self.private_subnets = [
            self._subnet("private", i, cidr, az)
            for i, (cidr, az) in enumerate(zip(settings.private_subnet_cidrs, settings.availability_zones, strict=True))
        ]
        self._routing(settings)
        self._flow_logs(settings, context)

    def _subnet(self, tier: str, index: int, cidr: str, az: str) -> Subnet:
        return Subnet(
            self,
            f"{tier}-subnet-{index + 1}",
            vpc_id=self.vpc.id,
            cidr_block=cidr,
            availability_zone=az,
            # Nothing is launched with a public IP: the ALB and NAT get theirs explicitly.
            map_public_ip_on_launch=False,
            tags={"Name": self._namer.name(Kind(f"{tier}-subnet"), index=index + 1), "Tier": tier},
        )

    def _routing(self, settings: NetworkSettings) -> None:
        namer = self._namer
        self.internet_gateway = InternetGateway(self, "igw", vpc_id=self.vpc.id, tags={"Name": namer.name(Kind.IGW)})
        public_rt = RouteTable(self, "public-rt", vpc_id=self.vpc.id, tags={"Name": namer.name(Kind.PUBLIC_RT)})
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
            eip = Eip(self, f"nat-eip-{i + 1}", domain="vpc", tags={"Name": namer.name(Kind.NAT_EIP, index=i + 1)})
            self.nat_gateways.append(
                NatGateway(
                    self,
                    f"nat-{i + 1}",
                    allocation_id=eip.id,
                    subnet_id=self.public_subnets[i].id,
                    tags={"Name": namer.name(Kind.NAT, index=i + 1)},
                    depends_on=[self.internet_gateway],
                )
            )
        # One private route table per AZ, so moving from a shared NAT to one per AZ changes routes only.
        self.private_route_tables: list[RouteTable] = []
        # What private workloads need before they can reach AWS APIs through the NAT (ECS waits for it).
        self.private_egress: list[Route | RouteTableAssociation] = []
        for i, subnet in enumerate(self.private_subnets):
            rt = RouteTable(
                self, f"private-rt-{i + 1}", vpc_id=self.vpc.id, tags={"Name": namer.name(Kind.PRIVATE_RT, index=i + 1)}
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

    def _flow_logs(self, settings: NetworkSettings, context: StackContext) -> None:
        namer, aws = self._namer, context.aws
        self.flow_log_group = context.log_group(self, "flow-logs-log-group", name=namer.name(Kind.FLOW_LOGS_LOG_GROUP))
        role = service_role(
            self,
            "flow-logs-role",
            name=namer.name(Kind.FLOW_LOGS_ROLE),
            service="vpc-flow-logs.amazonaws.com",
            aws=aws,
            description="VPC flow logs delivery to its own log group",
            source_arn=aws.arn("ec2", "vpc-flow-log/*"),
        )
        policy = grant(
            self,
            "flow-logs-policy",
            role=role,
            name="write-flow-logs",
            statements=[
                Statement(
                    sid=WRITE_FLOW_LOGS_SID,
                    actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    resources=[self.flow_log_group.arn, f"{self.flow_log_group.arn}:*"],
                ),
                # DescribeLogGroups takes only "*" (SAR, CloudWatch Logs): on the group's ARN it never matched.
                Statement(sid=FIND_LOG_GROUPS_SID, actions="logs:DescribeLogGroups", resources="*"),
            ],
        )
        allow_any_resource(
            policy,
            FIND_LOG_GROUPS_SID,
            "logs:DescribeLogGroups supports no resource-level permission; it lists log group names and "
            "settings, no log events, and the writes stay on the flow-log group",
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
            tags={"Name": namer.name(Kind.FLOW_LOGS)},
        )

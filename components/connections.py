"""Security groups owned by the component they protect, and the SG-to-SG edges between components.

As in AWS CDK's ``connections``: every reachable component (load balancer, compute, database, file
storage) creates its own group and exposes ``allow_from(peer)``; the stack states who talks to whom in
one place (``database.allow_from(compute)``). A new data store therefore brings its own group and one
line in the stack; ``network.py`` does not change.
"""

from __future__ import annotations

from typing import Protocol

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.security_group_rule import SecurityGroupRule
from constructs import Construct

from components.context import StackContext
from config.naming import Kind
from config.settings import Tier

# Tier is defined in config (AdoptedSettings is keyed by it) and used from here by the groups' owners.
__all__ = ["ANYWHERE_V4", "HTTPS_PORT", "HTTP_PORT", "NFS_PORT", "POSTGRES_PORT", "Connections", "Reachable", "Tier"]

ANYWHERE_V4 = "0.0.0.0/0"


# TCP ports of the platform's tiers (the application port is a setting). Plain ints, not an IntEnum:
# jsii serializes any Enum member as a jsii enum reference, which the provider's number fields refuse.
HTTP_PORT = 80
HTTPS_PORT = 443
NFS_PORT = 2049
POSTGRES_PORT = 5432


class Connections(Construct):
    """One security group and the TCP port its owner is reached on.

    Rules are separate ``aws_security_group_rule`` resources, SG to SG, each edge an ingress rule on
    this group and the matching egress rule on the peer's, both declared here (where the edge is
    allowed), so removing an edge removes both.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        tier: Tier,
        description: str,
        vpc_id: str,
        context: StackContext,
        port: int | None = None,
    ) -> None:
        """An adopted environment's live description for ``tier`` (``context.adopted``) replaces ours."""
        super().__init__(scope, id)
        self.tier = tier
        self.port = port
        name = context.namer.name(Kind(f"{tier.value}-sg"))
        adopted = context.adopted
        self.security_group = SecurityGroup(
            self,
            "security-group",
            name=name,
            description=adopted.security_group_description(tier, description) if adopted else description,
            vpc_id=vpc_id,
            tags={"Name": name, "Tier": tier.value},
            # No create_before_destroy: with a fixed name the new group would collide with the old one
            # (names are unique per VPC). name_prefix would avoid that but replaces every existing group
            # (name_prefix forces replacement), detaching the ALB, tasks, database and mount targets.
            # Only a description or VPC change replaces a group; a new VPC frees the name anyway.
        )

    @property
    def id(self) -> str:
        return self.security_group.id

    def allow_from(self, peer: Reachable, *, port: int | None = None) -> None:
        """Allow TCP ``port`` (default: this group's port) from ``peer``'s group, and nothing else."""
        source = peer.connections
        port = self.port if port is None else port
        if port is None:
            raise ValueError(f"{self.tier} security group has no default port; give allow_from a port")
        label = f"{source.tier}-to-{self.tier}"
        for direction, group, other in (("ingress", self, source), ("egress", source, self)):
            SecurityGroupRule(
                self,
                f"{label}-{direction}",
                type=direction,
                security_group_id=group.id,
                source_security_group_id=other.id,
                protocol="tcp",
                from_port=port,
                to_port=port,
                description=f"{label} on {port}",
            )

    def allow_from_anywhere(self, port: int, *, id: str, description: str) -> SecurityGroupRule:
        """Allow TCP ``port`` in from any IPv4 address (the internet-facing load balancer alone)."""
        return self._anywhere("ingress", port, id=id, description=description)

    def allow_to_anywhere(self, port: int, *, id: str, description: str) -> SecurityGroupRule:
        """Allow TCP ``port`` out to any IPv4 address (AWS APIs through the NAT)."""
        return self._anywhere("egress", port, id=id, description=description)

    def _anywhere(self, direction: str, port: int, *, id: str, description: str) -> SecurityGroupRule:
        return SecurityGroupRule(
            self,
            id,
            type=direction,
            security_group_id=self.id,
            protocol="tcp",
            from_port=port,
            to_port=port,
            cidr_blocks=[ANYWHERE_V4],
            description=description,
        )


class Reachable(Protocol):
    """A component with a security group: what ``allow_from`` accepts as a peer."""

    @property
    def connections(self) -> Connections: ...

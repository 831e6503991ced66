"""``moved`` blocks from the previous layout, so an environment deployed from it re-plans with no destroy.

Until main at 687b424 the network owned every tier's security group and rule; now each component owns
its own (``components/connections.py``). Terraform would read the new addresses as 13 resources to
destroy and 13 to create (a new RDS security group detaches the database from the old one for a
moment); a ``moved`` block per resource tells it they are the same objects.

Keep these while any environment may still hold state written by the previous layout: every
environment applied once from a commit that has them has moved its state, after which they are
no-ops and may go (see README, Refactors). tests/stacks/test_previous_layout.py proves each move maps
today's JSON back onto the previous one; tests/integration/test_upgrade.py applies the previous
layout on the local endpoint and plans this one.
"""

from __future__ import annotations

from cdktf import TerraformResource
from constructs import Construct, IConstruct

# Construct path below the stack today -> Terraform address in the previous layout.
MOVED_FROM: dict[str, str] = {
    "load-balancer/connections/security-group": "aws_security_group.network_alb-sg_B3FA17EE",
    "load-balancer/connections/alb-ingress-internet-443": (
        "aws_security_group_rule.network_alb-ingress-internet-443_5C19B6A7"
    ),
    "load-balancer/connections/alb-ingress-internet-80": (
        "aws_security_group_rule.network_alb-ingress-internet-80_4A2E85B4"
    ),
    "compute/connections/security-group": "aws_security_group.network_ecs-sg_EFD222B2",
    "compute/connections/ecs-egress-https": "aws_security_group_rule.network_ecs-egress-https_50331FFA",
    "compute/connections/alb-to-ecs-ingress": "aws_security_group_rule.network_alb-to-ecs-ingress_CF77C52B",
    "compute/connections/alb-to-ecs-egress": "aws_security_group_rule.network_alb-to-ecs-egress_C5C70BB8",
    "database/connections/security-group": "aws_security_group.network_rds-sg_F3513675",
    "database/connections/ecs-to-rds-ingress": "aws_security_group_rule.network_ecs-to-rds-ingress_11910FA3",
    "database/connections/ecs-to-rds-egress": "aws_security_group_rule.network_ecs-to-rds-egress_12B9104E",
    "file-storage/connections/security-group": "aws_security_group.network_efs-sg_6BFF66DD",
    "file-storage/connections/ecs-to-efs-ingress": "aws_security_group_rule.network_ecs-to-efs-ingress_E3A2BE59",
    "file-storage/connections/ecs-to-efs-egress": "aws_security_group_rule.network_ecs-to-efs-egress_A85436FB",
}


def move_from_previous_layout(stack: Construct) -> None:
    """Add a ``moved`` block to each resource of :data:`MOVED_FROM`, from its previous address."""
    for path, previous in MOVED_FROM.items():
        resource: IConstruct = stack
        for part in path.split("/"):
            resource = resource.node.find_child(part)
        assert isinstance(resource, TerraformResource), path
        resource.move_from_id(previous)

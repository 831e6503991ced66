"""An environment deployed from the previous layout takes today's code without losing a resource: the
plan over its state moves the security groups and rules (``stacks/previous_layout.py``) and destroys,
replaces or creates nothing but the deliberate changes of ``tests.stacks.layout.INTENDED``."""

from __future__ import annotations

import pytest

from stacks.previous_layout import MOVED_FROM
from tests.integration.conftest import Deployment
from tests.stacks.layout import intended_plan

pytestmark = pytest.mark.integration


def test_upgrade_from_the_previous_layout_destroys_and_replaces_nothing_it_does_not_mean_to(
    deployment: Deployment,
) -> None:
    changed = {
        c["address"]: c["change"]["actions"]
        for c in deployment.upgrade_plan
        if c["change"]["actions"] not in (["no-op"], ["read"])
    }
    # Only the deliberate changes (tests/stacks/layout.py INTENDED): never the database, a role or a bucket.
    assert changed == intended_plan()


def test_upgrade_moves_exactly_the_resources_of_the_moved_blocks(deployment: Deployment) -> None:
    moved = {c["previous_address"]: c["address"] for c in deployment.upgrade_plan if c.get("previous_address")}
    assert sorted(moved) == sorted(MOVED_FROM.values())
    assert all(address.startswith(("aws_security_group.", "aws_security_group_rule.")) for address in moved.values())

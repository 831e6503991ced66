"""An environment deployed from the previous layout takes today's code without losing a resource: the
plan over its state moves the security groups and rules (``stacks/previous_layout.py``), destroys and
replaces nothing, and creates or updates only what the release path added or changed."""

from __future__ import annotations

import json

import pytest

from stacks.previous_layout import MOVED_FROM
from tests.integration.conftest import Deployment
from tests.stacks.layout import release_path_addresses

pytestmark = pytest.mark.integration


def test_upgrade_from_the_previous_layout_destroys_and_replaces_nothing(deployment: Deployment) -> None:
    """Only the release path's new resources are created and its changed ones updated in place; the
    service and the scalable target, changed in code (0 tasks, min 0), are no-ops: their values are ignored."""
    doc = json.loads((deployment.terraform.stack_dir / "cdk.tf.json").read_text())
    changed = {
        c["address"]: c["change"]["actions"]
        for c in deployment.upgrade_plan
        if c["change"]["actions"] not in (["no-op"], ["read"])
    }
    assert sorted(a for a, actions in changed.items() if actions == ["create"]) == release_path_addresses(doc, "added")
    updated = sorted(a for a, actions in changed.items() if actions == ["update"])
    assert set(updated) <= set(release_path_addresses(doc, "changed")), updated
    assert not [a for a in updated if a.startswith(("aws_ecs_service.", "aws_appautoscaling_target."))]
    assert {tuple(actions) for actions in changed.values()} <= {("create",), ("update",)}


def test_upgrade_moves_exactly_the_resources_of_the_moved_blocks(deployment: Deployment) -> None:
    moved = {c["previous_address"]: c["address"] for c in deployment.upgrade_plan if c.get("previous_address")}
    assert sorted(moved) == sorted(MOVED_FROM.values())
    assert all(address.startswith(("aws_security_group.", "aws_security_group_rule.")) for address in moved.values())

"""An environment deployed from the previous layout takes today's code without losing a resource: the
plan over its state moves the security groups and rules (``stacks/previous_layout.py``), and creates,
updates or replaces only what was changed on purpose: the release path's resources
(``RELEASE_PATH_CHANGES``) and the database-user changes of ``INTENDED`` (the one replacement is the
application's task definition, whose revisions are immutable), both in tests/stacks/layout.py."""

from __future__ import annotations

import json

import pytest

from stacks.previous_layout import MOVED_FROM
from tests.integration.conftest import Upgrade
from tests.stacks.layout import deploy_path_changes, intended_plan, release_path_addresses

pytestmark = pytest.mark.integration


def test_upgrade_from_the_previous_layout_destroys_and_replaces_nothing_it_does_not_mean_to(
    upgrade: Upgrade,
) -> None:
    doc = json.loads((upgrade.stack_dir / "cdk.tf.json").read_text())
    changed = {
        c["address"]: c["change"]["actions"]
        for c in upgrade.plan
        if c["change"]["actions"] not in (["no-op"], ["read"])
    }
    added, updated = set(release_path_addresses(doc, "added")), set(release_path_addresses(doc, "changed"))
    # The release path: its new resources created, its changed ones updated in place or left as they are;
    # the service and the scalable target (0 tasks, min 0 in code) are no-ops: those values are ignored.
    assert {a: changed[a] for a in sorted(added)} == {a: ["create"] for a in sorted(added)}
    assert all(changed[a] == ["update"] for a in updated if a in changed)
    assert not [a for a in changed if a.startswith(("aws_ecs_service.", "aws_appautoscaling_target."))]
    # Every role takes its environment's permissions boundary, every key its new policy, in place (issue 23).
    roles = set(deploy_path_changes("dev")) - updated
    assert {a: changed.get(a) for a in sorted(roles)} == {a: ["update"] for a in sorted(roles)}
    # Everything else is exactly the listed deliberate changes: never the database, a role or a bucket.
    assert {a: actions for a, actions in changed.items() if a not in added | updated | roles} == intended_plan()


def test_upgrade_moves_exactly_the_resources_of_the_moved_blocks(upgrade: Upgrade) -> None:
    moved = {c["previous_address"]: c["address"] for c in upgrade.plan if c.get("previous_address")}
    assert sorted(moved) == sorted(MOVED_FROM.values())
    assert all(address.startswith(("aws_security_group.", "aws_security_group_rule.")) for address in moved.values())

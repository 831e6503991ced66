"""The redesign changed where resources live, not what is deployed: mapped back through its ``moved``
blocks, every environment's JSON equals the previous layout's, resource for resource, except for the
deliberate changes listed in ``tests.stacks.layout.INTENDED`` (each with its reason)."""

from __future__ import annotations

import copy
from typing import Any

from config import ENVIRONMENTS
from tests.stacks.layout import differences, intended_differences, moves, previous


def test_every_environment_equals_the_previous_layout_through_its_moved_blocks(
    stack_docs: dict[str, dict[str, Any]],
) -> None:
    for environment in ENVIRONMENTS:
        assert differences(stack_docs[environment], environment) == intended_differences(), environment


def test_every_move_starts_at_a_previous_address_and_ends_at_a_current_one(
    stack_docs: dict[str, dict[str, Any]],
) -> None:
    for environment in ENVIRONMENTS:
        doc, before = stack_docs[environment], previous(environment)
        for new, old in moves(doc).items():
            tf_type, new_id = new.split(".", 1)
            assert old.split(".", 1)[1] in before["resource"][tf_type], old
            assert new_id in doc["resource"][tf_type], new
            assert new_id not in before["resource"][tf_type], f"{new} reuses an address of the previous layout"


def test_a_changed_attribute_is_caught(stack_docs: dict[str, dict[str, Any]]) -> None:
    doc = copy.deepcopy(stack_docs["dev"])
    (instance_id,) = doc["resource"]["aws_db_instance"]
    doc["resource"]["aws_db_instance"][instance_id]["multi_az"] = True
    assert differences(doc, "dev") == sorted(
        [*intended_differences(), f"resource aws_db_instance.{instance_id}: changed (multi_az)"]
    )

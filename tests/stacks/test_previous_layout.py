"""The redesign changed where resources live, not what is deployed: mapped back through its ``moved``
blocks, every environment's JSON equals the previous layout's, resource for resource, except what the
release path changed on purpose (``RELEASE_PATH_CHANGES``: new resources and in-place updates)."""

from __future__ import annotations

import copy
from typing import Any

from config import ENVIRONMENTS
from tests.stacks.layout import RELEASE_PATH_CHANGES, differences, moves, previous, release_path_addresses


def test_every_environment_equals_the_previous_layout_through_its_moved_blocks_but_the_release_path(
    stack_docs: dict[str, dict[str, Any]],
) -> None:
    for environment in ENVIRONMENTS:
        doc = stack_docs[environment]
        expected = [
            f"resource {address}: {state}"
            for state in ("added", "changed")
            for address in release_path_addresses(doc, state)
        ]
        assert len(expected) == len(RELEASE_PATH_CHANGES), environment  # each path is one resource
        assert sorted(differences(doc, environment)) == sorted(expected), environment


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
    assert f"resource aws_db_instance.{instance_id}: changed" in differences(doc, "dev")

"""The redesign changed where resources live, not what is deployed: mapped back through its ``moved``
blocks, every environment's JSON equals the previous layout's, resource for resource, except the
deliberate changes of tests/stacks/layout.py: the release path's (``RELEASE_PATH_CHANGES``: new
resources and in-place updates) and the database user's (``INTENDED``, each line with its reason)."""

from __future__ import annotations

import copy
from typing import Any

from config import ENVIRONMENTS
from tests.stacks.layout import (
    RELEASE_PATH_CHANGES,
    deploy_path_changes,
    differences,
    intended_differences,
    moves,
    previous,
)
from tests.stacks.layout import release_path_addresses as release_path


def _subject(line: str) -> str:
    return line.split(": ", 1)[0]


def _unexplained(doc: dict[str, Any], environment: str) -> list[str]:
    """``differences`` without the release path's lines, after checking those are exactly its changes."""
    found = differences(doc, environment)
    release = {f"resource {a}": state for state in ("added", "changed") for a in release_path(doc, state)}
    assert len(release) == len(RELEASE_PATH_CHANGES), environment  # each path is one resource
    assert {_subject(line): line.split(": ", 1)[1].split(" ")[0] for line in found if _subject(line) in release} == (
        release
    ), environment
    return [line for line in found if _subject(line) not in release]


def test_every_environment_equals_the_previous_layout_through_its_moved_blocks_but_the_deliberate_changes(
    stack_docs: dict[str, dict[str, Any]],
) -> None:
    for environment in ENVIRONMENTS:
        doc = stack_docs[environment]
        covered = {f"resource {a}" for state in ("added", "changed") for a in release_path(doc, state)}
        bounded = [line for a, line in deploy_path_changes(environment).items() if f"resource {a}" not in covered]
        expected = sorted([line for line in intended_differences() if _subject(line) not in covered] + bounded)
        assert _unexplained(doc, environment) == expected, environment


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
    assert f"resource aws_db_instance.{instance_id}: changed (multi_az)" in _unexplained(doc, "dev")

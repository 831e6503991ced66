"""The container registry built alone in a bare stack (tests/components/conftest.py)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest
from cdktf_cdktf_provider_aws.ecr_repository import EcrRepository
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy

from components.container_registry import PULL_ACTIONS, PUSH_ACTIONS, ContainerRegistry
from components.iam import service_role
from config.naming import KeyPurpose, Kind
from tests.components.conftest import BareStack


def _registry(bare: BareStack, *, force_destroy: bool = False) -> ContainerRegistry:
    key = bare.key(KeyPurpose.ECR)
    context = dataclasses.replace(bare.context, force_destroy=force_destroy)
    return ContainerRegistry(bare.stack, "registry", context=context, key=key, images_kept=7)


@pytest.mark.parametrize("force_destroy", [False, True])
def test_the_repository_is_immutable_scanned_and_encrypted_with_its_key(
    bare_stack: Callable[[], BareStack], force_destroy: bool
) -> None:
    bare = bare_stack()
    _registry(bare, force_destroy=force_destroy)
    synth = bare.synth()
    repository = synth.only(EcrRepository.TF_RESOURCE_TYPE)
    assert repository["name"] == "healthtech-dev"  # the original template's repository name
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"] == {"scan_on_push": True}
    assert repository["encryption_configuration"] == [
        {"encryption_type": "KMS", "kms_key": synth.ref("key/key", "arn")}
    ]
    # Images go with the repository only where the environment's context says so (dev).
    assert repository["force_delete"] is force_destroy


def test_pull_and_push_grants_name_only_this_repository(bare_stack: Callable[[], BareStack]) -> None:
    bare = bare_stack()
    registry = _registry(bare)
    pulls, pushes = (
        service_role(
            bare.stack,
            kind.value,
            name=bare.namer.name(kind),
            service="ecs-tasks.amazonaws.com",
            aws=bare.aws,
            description=kind.value,
        )
        for kind in (Kind.EXECUTION_ROLE, Kind.BUILD_ROLE)
    )
    attached = {registry.grant_pull(pulls).friendly_unique_id, registry.grant_push(pushes).friendly_unique_id}
    synth = bare.synth()
    assert set(synth.resources(IamRolePolicy.TF_RESOURCE_TYPE)) == attached  # each grant returns its policy

    by_name = {p["name"]: json.loads(p["policy"]) for p in synth.resources(IamRolePolicy.TF_RESOURCE_TYPE).values()}
    assert sorted(by_name) == ["pull-images", "push-images"]
    for name, actions in (("pull-images", PULL_ACTIONS), ("push-images", PUSH_ACTIONS)):
        token, scoped = by_name[name]["Statement"]
        assert token["Action"] == "ecr:GetAuthorizationToken" and token["Resource"] == "*"
        assert sorted(scoped["Action"]) == sorted(actions)
        assert scoped["Resource"] == synth.ref("registry/repository", "arn")

"""The container spec components bind to (components/container.py), and FileStorage.bind, alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cdktf_cdktf_provider_aws.ecs_task_definition import EcsTaskDefinitionVolume

from components.container import ContainerSpec
from tests.components.conftest import BareStack


def test_variables_render_sorted_whatever_the_order_of_binds_and_a_conflict_is_refused() -> None:
    spec = ContainerSpec(uid=1000, gid=1000)
    spec.set("PORT", "8080")
    spec.set("AWS_REGION", "eu-south-1")
    spec.set("PORT", "8080")  # the same value twice is fine
    assert spec.rendered_environment() == [
        {"name": "AWS_REGION", "value": "eu-south-1"},
        {"name": "PORT", "value": "8080"},
    ]
    with pytest.raises(ValueError, match="container variable PORT bound twice: '8080' and '9090'"):
        spec.set("PORT", "9090")


def test_a_path_is_mounted_once() -> None:
    spec = ContainerSpec(uid=1000, gid=1000)
    spec.mount(EcsTaskDefinitionVolume(name="scratch"), "/tmp")
    with pytest.raises(ValueError, match="container path /tmp mounted twice"):
        spec.mount(EcsTaskDefinitionVolume(name="other"), "/tmp")


def test_file_storage_binds_its_access_point_over_tls_its_path_and_its_mount_targets(
    bare_stack: Callable[[], BareStack],
) -> None:
    storage = bare_stack().file_storage()
    spec = ContainerSpec(uid=1000, gid=1000)
    storage.bind(spec, "/mnt/data")
    assert spec.rendered_environment() == [{"name": "DATA_DIR", "value": "/mnt/data"}]
    assert spec.rendered_mounts() == [{"sourceVolume": "data", "containerPath": "/mnt/data", "readOnly": False}]
    assert spec.depends_on == storage.mount_targets and len(storage.mount_targets) == 2
    (volume,) = spec.volumes()
    efs = volume.efs_volume_configuration
    assert efs is not None and efs.transit_encryption == "ENABLED"
    assert efs.authorization_config is not None and efs.authorization_config.iam == "ENABLED"

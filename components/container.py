"""What a container gets from the components it uses, assembled before the task definition is built.

Each component that a container uses binds itself to the container's spec (``database.bind(spec)``,
``file_storage.bind(spec)``): the environment variables it needs, the volume it mounts and where, and
what the service must wait for before its first task starts. Compute then renders the spec into the
container definition and the task definition's volumes; it never reaches into another component.
Environment variables render sorted by name, so the definition does not depend on the order of binds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.ecs_task_definition import EcsTaskDefinitionVolume


@dataclass(frozen=True)
class Mount:
    volume: EcsTaskDefinitionVolume
    path: str
    """Where the container sees the volume."""


@dataclass
class ContainerSpec:
    """Environment, mounts and start dependencies of one container, as its components bind them."""

    uid: int
    gid: int
    """The non-root user the container runs as (the stack gives every container of ours the file storage
    access point's POSIX user, so whatever one writes has one owner)."""
    environment: dict[str, str] = field(default_factory=dict)
    mounts: list[Mount] = field(default_factory=list)
    depends_on: list[ITerraformDependable] = field(default_factory=list)

    def set(self, name: str, value: str) -> None:
        """Set the variable ``name``; two components giving it different values is a wiring error."""
        if self.environment.get(name, value) != value:
            raise ValueError(f"container variable {name} bound twice: {self.environment[name]!r} and {value!r}")
        self.environment[name] = value

    def mount(self, volume: EcsTaskDefinitionVolume, path: str) -> None:
        if any(m.path == path for m in self.mounts):
            raise ValueError(f"container path {path} mounted twice")
        self.mounts.append(Mount(volume, path))

    def rendered_environment(self) -> list[dict[str, str]]:
        return [{"name": name, "value": self.environment[name]} for name in sorted(self.environment)]

    def rendered_mounts(self) -> list[dict[str, Any]]:
        return [{"sourceVolume": m.volume.name, "containerPath": m.path, "readOnly": False} for m in self.mounts]

    def volumes(self) -> list[EcsTaskDefinitionVolume]:
        return [m.volume for m in self.mounts]


def hardened(uid: int, gid: int) -> dict[str, Any]:
    """The fields every container of ours carries: the non-root user, no privilege, a read-only root
    filesystem, no Linux capability, and an init process that reaps children and forwards signals."""
    return {
        "user": f"{uid}:{gid}",
        "privileged": False,
        "readonlyRootFilesystem": True,
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
    }


def awslogs(group: str, region: str, prefix: str) -> dict[str, Any]:
    """The ``awslogs`` log configuration: the container's output to ``group``, streams ``prefix/...``."""
    return {
        "logDriver": "awslogs",
        "options": {"awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": prefix},
    }

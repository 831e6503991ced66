"""The pipeline's Deploy stage: put the service on a new revision of the task definition as the code defines it.

Terraform owns the *template* revision (``aws_ecs_task_definition``: CPU, memory, environment, secrets,
health check, volumes, roles; everything but the image). The release owns the *running* revision: this
script reads the template named by ``TEMPLATE_TASK_DEFINITION`` (Terraform sets it to the template's
ARN, so every apply that changes the template updates the release project in place), swaps in the image
the build wrote to ``imagedefinitions.json``, registers that as a new revision of the same family (tags
copied), points the service at it and waits for ECS to reach a steady state on it. The build fails when
the deployment fails (the circuit breaker rolls the service back) or does not settle in time.

Why not CodePipeline's ECS deploy action: it copies the revision the *service* runs and swaps only the
image, so a change to the template made in code (a variable, CPU, memory, a secret) never reached a
release, and the first release copied the placeholder revision.

First release: the service is created with ``desiredCount`` 0 and the scalable target with minimum 0, so
nothing tries to run the template's placeholder image before an image exists. When the service is at 0,
the release sets ``DESIRED_COUNT``; after the service is stable on the new revision, it registers the
scalable target with ``MIN_CAPACITY`` (Application Auto Scaling then keeps the count in [min, max]).
Terraform ignores both afterwards: the release owns the minimum, the apply owns the maximum and the
policies. A first release that fails puts the count back to 0, so the service does not keep starting
tasks of the placeholder image.

Migrations first: when ``MIGRATION_TASK_DEFINITION`` is set, the release registers that template with
the same image, runs it once as a Fargate task in the service's subnets and security group
(``python -m app.migrate``: the application's database user and schema, the only task that reads the
master secret) and waits for it to stop with exit code 0 before the service moves; a failed migration
fails the release with the service untouched.

Runs in CodeBuild with the standard library and boto3 only (pinned with hashes in the buildspec); this
file is embedded into the release project's buildspec at synth (components/release.py), because the
pipeline's source is the application, not this repository. ``python release.py`` reads its inputs from
the environment; :func:`release` and :func:`render_revision` are what the tests call.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

# Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not accept.
READ_ONLY_FIELDS = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
)
SCALABLE_DIMENSION = "ecs:service:DesiredCount"
DEFAULT_TIMEOUT_SECONDS = 1800
DEFAULT_POLL_SECONDS = 15


T = TypeVar("T")


class ReleaseError(RuntimeError):
    """The release cannot go on, or the deployment failed; the message says which and why."""


def image_from_definitions(text: str, container: str) -> str:
    """The ``imageUri`` of ``container`` in an ``imagedefinitions.json`` document."""
    entries = json.loads(text)
    for entry in entries:
        if entry.get("name") == container:
            return str(entry["imageUri"])
    names = ", ".join(str(e.get("name")) for e in entries) or "none"
    raise ReleaseError(f"imagedefinitions.json names no container {container!r} (it names: {names})")


def render_revision(described: dict[str, Any], container: str, image: str) -> dict[str, Any]:
    """RegisterTaskDefinition's arguments: the described template with ``container``'s image set to ``image``.

    ``described`` is a DescribeTaskDefinition response (``include=["TAGS"]``); its tags are copied.
    """
    definition = copy.deepcopy(described["taskDefinition"])
    for field in READ_ONLY_FIELDS:
        definition.pop(field, None)
    matching = [c for c in definition.get("containerDefinitions", []) if c.get("name") == container]
    if not matching:
        names = ", ".join(c.get("name", "?") for c in definition.get("containerDefinitions", []))
        raise ReleaseError(f"the template task definition has no container {container!r} (it has: {names})")
    matching[0]["image"] = image
    tags = described.get("tags") or []
    if tags:
        definition["tags"] = tags
    return dict(definition)


@dataclass(frozen=True)
class Migration:
    """The one-off migration task: its template task definition, its container, where it runs."""

    template: str
    container: str
    subnets: Sequence[str]
    security_groups: Sequence[str]


def run_migration(
    ecs: Any,
    migration: Migration,
    *,
    cluster: str,
    image: str,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    log: Callable[[str], None] = print,
) -> str:
    """Register the migration template with ``image``, run it once and wait for exit code 0; the task's ARN."""
    described = ecs.describe_task_definition(taskDefinition=migration.template, include=["TAGS"])
    registered = ecs.register_task_definition(**render_revision(described, migration.container, image))
    revision: str = registered["taskDefinition"]["taskDefinitionArn"]
    started = ecs.run_task(
        cluster=cluster,
        taskDefinition=revision,
        count=1,
        launchType="FARGATE",
        startedBy="release",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(migration.subnets),
                "securityGroups": list(migration.security_groups),
                "assignPublicIp": "DISABLED",
            }
        },
    )
    if started.get("failures") or not started.get("tasks"):
        raise ReleaseError(f"the migration task did not start: {started.get('failures')}")
    task: str = started["tasks"][0]["taskArn"]
    log(f"migration {task} started from {revision}")

    def stopped() -> str | None:
        (described_task,) = ecs.describe_tasks(cluster=cluster, tasks=[task])["tasks"]
        if described_task.get("lastStatus") != "STOPPED":
            return None
        containers = [c for c in described_task.get("containers", []) if c.get("name") == migration.container]
        code = containers[0].get("exitCode") if containers else None
        if code != 0:
            reason = described_task.get("stoppedReason", "no reason given")
            raise ReleaseError(f"migration {task} failed (exit code {code}: {reason}); see its log stream")
        log(f"migration {task} completed")
        return task

    expired = f"migration {task} did not finish in {timeout_seconds:.0f}s"
    return _poll(stopped, timeout_seconds, poll_seconds, sleep, clock, expired)


def _poll(
    check: Callable[[], T | None],
    timeout_seconds: float,
    poll_seconds: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    expired: str,
) -> T:
    """Call ``check`` until it returns a value (it raises when what it watches failed); ``expired`` at the deadline."""
    deadline = clock() + timeout_seconds
    while True:
        found = check()
        if found is not None:
            return found
        if clock() >= deadline:
            raise ReleaseError(expired)
        sleep(poll_seconds)


def scalable_target_id(cluster: str, service: str) -> str:
    """Application Auto Scaling's resource id of an ECS service."""
    return f"service/{cluster}/{service}"


def describe_service(ecs: Any, cluster: str, service: str) -> dict[str, Any]:
    found = ecs.describe_services(cluster=cluster, services=[service])
    services: list[dict[str, Any]] = found.get("services", [])
    if not services or services[0].get("status") != "ACTIVE":
        raise ReleaseError(f"service {service!r} not found (or not active) in cluster {cluster!r}")
    return services[0]


def wait_for_steady_state(
    ecs: Any,
    *,
    cluster: str,
    service: str,
    revision: str,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Poll until ``service`` runs ``revision`` alone at its desired count; raise when it failed or timed out.

    Stable, as ECS's ``services_stable`` waiter defines it: one deployment left and the running count equal
    to the desired count, with the service still on ``revision``. Failed (where the waiter would only time
    out): the primary deployment's rollout state is FAILED, or the service is no longer on ``revision``
    (the circuit breaker put it back on the previous one).
    """

    def stable() -> dict[str, Any] | None:
        current = describe_service(ecs, cluster, service)
        deployments = current.get("deployments", [])
        primary: dict[str, Any] = next((d for d in deployments if d.get("status") == "PRIMARY"), {})
        if current.get("taskDefinition") != revision:
            raise ReleaseError(
                f"deployment of {revision} failed: the service is back on {current.get('taskDefinition')} "
                "(deployment circuit breaker rollback); see the service's events"
            )
        if primary.get("rolloutState") == "FAILED":
            raise ReleaseError(f"deployment of {revision} failed: {primary.get('rolloutStateReason', 'no reason')}")
        if len(deployments) == 1 and current.get("runningCount") == current.get("desiredCount"):
            return current
        return None

    expired = f"service {service!r} did not reach a steady state on {revision} in {timeout_seconds:.0f}s"
    return _poll(stable, timeout_seconds, poll_seconds, sleep, clock, expired)


def set_minimum_capacity(autoscaling: Any, *, cluster: str, service: str, min_capacity: int) -> None:
    """Register the service's scalable target with ``min_capacity`` (which raises the count to it)."""
    resource_id = scalable_target_id(cluster, service)
    targets = autoscaling.describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[resource_id], ScalableDimension=SCALABLE_DIMENSION
    )["ScalableTargets"]
    if not targets:
        raise ReleaseError(f"no scalable target for {resource_id}; apply the environment first")
    if targets[0]["MinCapacity"] != min_capacity:
        # Only the minimum: the apply owns the maximum, and parameters left out are not changed.
        autoscaling.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=resource_id,
            ScalableDimension=SCALABLE_DIMENSION,
            MinCapacity=min_capacity,
        )


def release(
    ecs: Any,
    autoscaling: Any,
    *,
    cluster: str,
    service: str,
    template: str,
    container: str,
    image: str,
    desired_count: int,
    min_capacity: int,
    migration: Migration | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    log: Callable[[str], None] = print,
) -> str:
    """Run ``migration`` (if any) with ``image``; register ``template`` with ``image`` as a new revision and
    deploy it to ``service``; its ARN. ``timeout_seconds`` is the whole release's: the service's wait gets
    what the migration left, so the script's deadline always comes before the release project's build
    timeout (components/release.py), and a stopped release says why."""
    deadline = clock() + timeout_seconds

    def remaining() -> float:
        return max(0.0, deadline - clock())

    if migration is not None:
        run_migration(
            ecs,
            migration,
            cluster=cluster,
            image=image,
            timeout_seconds=remaining(),
            poll_seconds=poll_seconds,
            sleep=sleep,
            clock=clock,
            log=log,
        )
    described = ecs.describe_task_definition(taskDefinition=template, include=["TAGS"])
    registered = ecs.register_task_definition(**render_revision(described, container, image))
    revision: str = registered["taskDefinition"]["taskDefinitionArn"]
    log(f"registered {revision} from template {template} with image {image}")
    first = describe_service(ecs, cluster, service)["desiredCount"] == 0
    update: dict[str, Any] = {"cluster": cluster, "service": service, "taskDefinition": revision}
    if first:
        update["desiredCount"] = desired_count  # the first release: nothing ran before
    ecs.update_service(**update)
    log(f"service {service} updated to {revision}" + (f", desired count {desired_count}" if first else ""))
    try:
        wait_for_steady_state(
            ecs,
            cluster=cluster,
            service=service,
            revision=revision,
            timeout_seconds=remaining(),
            poll_seconds=poll_seconds,
            sleep=sleep,
            clock=clock,
        )
    except ReleaseError:
        if first:  # back to nothing running rather than tasks of the placeholder image
            ecs.update_service(cluster=cluster, service=service, desiredCount=0)
        raise
    set_minimum_capacity(autoscaling, cluster=cluster, service=service, min_capacity=min_capacity)
    log(f"service {service} is stable on {revision}; autoscaling minimum {min_capacity}")
    return revision


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ReleaseError(f"environment variable {name} is not set (the release project sets it)")
    return value


def _migration() -> Migration | None:
    template = os.environ.get("MIGRATION_TASK_DEFINITION", "")
    if not template:
        return None
    return Migration(
        template=template,
        container=_required("MIGRATION_CONTAINER"),
        subnets=_required("TASK_SUBNETS").split(","),
        security_groups=_required("TASK_SECURITY_GROUPS").split(","),
    )


def main() -> int:
    """Run one release from the CodeBuild environment; 0 on success, 1 (with the reason) on failure."""
    try:
        import boto3

        container = _required("CONTAINER_NAME")
        definitions = Path(os.environ.get("IMAGE_DEFINITIONS", "imagedefinitions.json"))
        release(
            boto3.client("ecs"),
            boto3.client("application-autoscaling"),
            cluster=_required("CLUSTER_NAME"),
            service=_required("SERVICE_NAME"),
            template=_required("TEMPLATE_TASK_DEFINITION"),
            container=container,
            image=image_from_definitions(definitions.read_text(), container),
            desired_count=int(_required("DESIRED_COUNT")),
            min_capacity=int(_required("MIN_CAPACITY")),
            migration=_migration(),
            timeout_seconds=float(os.environ.get("RELEASE_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)),
        )
    except ReleaseError as error:
        print(f"release failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

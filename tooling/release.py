"""Roll an environment's service back to the release revision it ran before the current one.

    python -m tooling.release rollback --environment dev [--no-wait] [--endpoint-url URL]

The pipeline's release step (delivery/release.py) registers one revision of the task-definition family
per release; Terraform's template revisions (the placeholder image, ``compute.image_tag``) are never
candidates. The command picks the newest active revision of the family older than the one the service
runs whose application image is not the placeholder, points the service at it and (unless
``--no-wait``) waits for a steady state, failing like a release would. Run it again to step back once
more. It refuses, changing nothing, when the environment is unknown or no earlier release revision
exists. ``--endpoint-url`` (default ``$HEALTHTECH_LOCAL_ENDPOINT``) sends it to the local endpoint.

The next pipeline run releases the source again; to stay on the old revision, hold the pipeline
(``aws codepipeline disable-stage-transition``) or release the previous source revision instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Any

from config import ENVIRONMENTS
from config.naming import Kind, Namer
from delivery.release import ReleaseError, describe_service, wait_for_steady_state

ROLLBACK_REFUSED = 2


class RollbackError(RuntimeError):
    """Nothing to roll back to; nothing was changed."""


@dataclass(frozen=True)
class Rollback:
    cluster: str
    service: str
    family: str
    container: str
    placeholder_tag: str
    """The template's image tag (``compute.image_tag``): a revision running it is Terraform's, not a release."""


def target_of(environment: str) -> Rollback:
    """The names ``environment``'s stack gives its cluster, service and family; RollbackError if unknown."""
    config = ENVIRONMENTS.get(environment)
    if config is None:
        known = ", ".join(sorted(ENVIRONMENTS))
        raise RollbackError(f"unknown environment {environment!r} (known: {known}); nothing changed")
    namer = Namer(environment)
    return Rollback(
        cluster=namer.name(Kind.CLUSTER),
        service=namer.name(Kind.SERVICE),
        family=namer.name(Kind.TASK),
        container=config.compute.container_name,
        placeholder_tag=config.compute.image_tag,
    )


def revision_number(arn: str) -> int:
    return int(arn.rsplit(":", 1)[1])


def previous_revision(ecs: Any, target: Rollback, current: str) -> str:
    """The newest active release revision of the family older than ``current``."""
    arns: list[str] = []
    for page in ecs.get_paginator("list_task_definitions").paginate(
        familyPrefix=target.family, status="ACTIVE", sort="DESC"
    ):
        arns.extend(page["taskDefinitionArns"])
    for arn in arns:
        if arn.rsplit(":", 1)[0].rsplit("/", 1)[1] != target.family or revision_number(arn) >= revision_number(current):
            continue
        definition = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        images = [c["image"] for c in definition["containerDefinitions"] if c["name"] == target.container]
        if images and not images[0].endswith(f":{target.placeholder_tag}"):
            return arn
    raise RollbackError(f"no release revision of {target.family} older than {current} to roll back to; nothing changed")


def rollback(ecs: Any, target: Rollback, *, wait: bool = True, poll_seconds: float = 15) -> tuple[str, str]:
    """Put the service on the previous release revision; (from, to)."""
    current = str(describe_service(ecs, target.cluster, target.service)["taskDefinition"])
    previous = previous_revision(ecs, target, current)
    ecs.update_service(cluster=target.cluster, service=target.service, taskDefinition=previous)
    if wait:
        wait_for_steady_state(
            ecs, cluster=target.cluster, service=target.service, revision=previous, poll_seconds=poll_seconds
        )
    return current, previous


def _client(environment: str, endpoint: str | None) -> Any:
    import boto3

    region = ENVIRONMENTS[environment].region
    if endpoint:
        from tooling.local import boto_client

        return boto_client(endpoint, "ecs", region)
    return boto3.client("ecs", region_name=region)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tooling.release", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("rollback",))
    parser.add_argument("--environment", required=True)
    parser.add_argument("--no-wait", action="store_true", help="return once the service is updated")
    parser.add_argument("--endpoint-url", default=os.environ.get("HEALTHTECH_LOCAL_ENDPOINT"))
    args = parser.parse_args(argv)
    try:
        target = target_of(args.environment)
        before, after = rollback(_client(args.environment, args.endpoint_url), target, wait=not args.no_wait)
    except RollbackError as refused:
        print(f"rollback refused: {refused}", file=sys.stderr)
        return ROLLBACK_REFUSED
    except ReleaseError as failed:
        print(f"rollback failed: {failed}", file=sys.stderr)
        return 1
    print(f"{target.service}: {before} -> {after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

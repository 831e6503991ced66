"""Issue 13 on the local endpoint: every release carries the task definition as the code defines it.

On the shared dev deployment: the seeded source is there; a release (the release project's calls, made
with boto3 as the pipeline's CodeBuild step makes them, from the project's own environment variables)
puts the service on a new revision of the template with image ``:rev1``; a change to the template in
config (the task's memory, through ``dataclasses.replace`` and a re-synth) is applied, which updates
the release project's ``TEMPLATE_TASK_DEFINITION``; the next release (``:rev2``) runs a revision with
both the new memory and the new image; the rollback command puts the service back on the previous
revision. Its changes are left for the destroy: it runs after the re-plan (tests/integration/conftest.py,
RUN_LAST), so no apply is spent putting the deployment back.

moto runs no task and pulls no image: its services report the desired count as running at once, and its
deployments keep the state they were created in (the release waits as ECS's services_stable waiter
does: one deployment, running = desired count). So what is checked is what the APIs record: the
registered revisions and their contents, the service's task definition and desired count, the scalable
target's minimum. Whether tasks of the image become healthy
behind the load balancer is AWS's part (the circuit breaker fails the release step when they do not).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from config import ENVIRONMENTS, EnvironmentConfig, validate
from config.account import in_local_account
from config.naming import Kind, Namer, stack_name
from delivery.release import Migration, release
from tests.integration.conftest import LOCAL_DOMAIN, LOCAL_ZONE, Deployment
from tooling.local import Terraform
from tooling.release import rollback, target_of

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]
NAMES = Namer("dev")
CHANGED_MEMORY = 2048  # valid with dev's 512 CPU units


def _project_variables(deployment: Deployment) -> dict[str, str]:
    (project,) = deployment.client("codebuild").batch_get_projects(names=[NAMES.name(Kind.RELEASE)])["projects"]
    return {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}


def _release(deployment: Deployment, image: str) -> str:
    """What the release project runs, with its environment as Terraform set it."""
    variables = _project_variables(deployment)
    return release(
        deployment.client("ecs"),
        deployment.client("application-autoscaling"),
        cluster=variables["CLUSTER_NAME"],
        service=variables["SERVICE_NAME"],
        template=variables["TEMPLATE_TASK_DEFINITION"],
        container=variables["CONTAINER_NAME"],
        image=image,
        desired_count=int(variables["DESIRED_COUNT"]),
        min_capacity=int(variables["MIN_CAPACITY"]),
        migration=Migration(
            template=variables["MIGRATION_TASK_DEFINITION"],
            container=variables["MIGRATION_CONTAINER"],
            subnets=variables["TASK_SUBNETS"].split(","),
            security_groups=variables["TASK_SECURITY_GROUPS"].split(","),
        ),
        poll_seconds=1,
        timeout_seconds=60,
    )


def _migrations(deployment: Deployment) -> list[dict[str, Any]]:
    """The migration tasks that have run and stopped (moto stops a task after a few describes, with exit
    code 0, but leaves its desired status RUNNING)."""
    ecs, cluster = deployment.client("ecs"), deployment.outputs["ECSClusterName"]
    arns = ecs.list_tasks(cluster=cluster, startedBy="release")["taskArns"]
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    return [t for t in tasks if t["lastStatus"] == "STOPPED"]


def _service(deployment: Deployment) -> dict[str, Any]:
    out = deployment.outputs
    (service,) = deployment.client("ecs").describe_services(
        cluster=out["ECSClusterName"], services=[out["ECSServiceName"]]
    )["services"]
    return dict(service)


def _min_capacity(deployment: Deployment) -> int:
    out = deployment.outputs
    (target,) = deployment.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{out['ECSClusterName']}/{out['ECSServiceName']}"]
    )["ScalableTargets"]
    return int(target["MinCapacity"])


def _container(deployment: Deployment, revision: str) -> tuple[dict[str, Any], dict[str, Any]]:
    definition = deployment.client("ecs").describe_task_definition(taskDefinition=revision)["taskDefinition"]
    (app,) = [c for c in definition["containerDefinitions"] if c["name"] == DEV.compute.container_name]
    return definition, app


def _apply(deployment: Deployment, cli: Path, outdir: Path, config: EnvironmentConfig) -> None:
    from main import synthesize

    synthesize([config], outdir, local_endpoint=deployment.server.url)
    terraform = Terraform(outdir / "stacks" / stack_name(config.name), cli)
    terraform.init()
    terraform.apply()


def _changed_memory() -> EnvironmentConfig:
    """dev as deployed (local account, its domain in the local zone), with the task's memory changed."""
    local = in_local_account(DEV)
    config = dataclasses.replace(
        local,
        load_balancer=dataclasses.replace(local.load_balancer, domain_name=LOCAL_DOMAIN, hosted_zone=LOCAL_ZONE),
        compute=dataclasses.replace(local.compute, memory_mib=CHANGED_MEMORY),
    )
    validate(config, local=True)
    return config


def test_the_seeded_source_is_the_reference_application(deployment: Deployment) -> None:
    out = deployment.outputs
    head = deployment.client("s3").head_object(Bucket=out["ArtifactBucketName"], Key=out["SourceObjectKey"])
    assert head["ContentType"] == "application/zip" and head["ServerSideEncryption"] == "aws:kms"


def test_each_release_carries_the_template_as_code_defines_it_and_rollback_returns(
    deployment: Deployment, tf_cli_config: Path, tmp_path: Path
) -> None:
    ecs, out = deployment.client("ecs"), deployment.outputs
    repository = out["ECRRepositoryUrl"]
    template = _project_variables(deployment)["TEMPLATE_TASK_DEFINITION"]
    # A fresh environment: no task, autoscaling floor 0, as the stack creates them (set again here, since the
    # stack ignores both after creation and an earlier test may have moved them).
    ecs.update_service(cluster=out["ECSClusterName"], service=out["ECSServiceName"], desiredCount=0)
    deployment.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{out['ECSClusterName']}/{out['ECSServiceName']}",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=0,
    )
    first = _release(deployment, f"{repository}:rev1")
    # The migration ran first, once, as its own task definition with the release's image.
    (migration,) = _migrations(deployment)
    migrate_definition = ecs.describe_task_definition(taskDefinition=migration["taskDefinitionArn"])
    (migrate,) = migrate_definition["taskDefinition"]["containerDefinitions"]
    assert migrate_definition["taskDefinition"]["family"] == NAMES.name(Kind.MIGRATE_TASK)
    assert migrate["image"] == f"{repository}:rev1" and migrate["command"] == ["python", "-m", "app.migrate"]
    service = _service(deployment)
    assert (service["taskDefinition"], service["desiredCount"]) == (first, DEV.compute.desired_count)
    assert _min_capacity(deployment) == DEV.compute.min_capacity
    definition, app = _container(deployment, first)
    assert app["image"] == f"{repository}:rev1" and definition["memory"] == str(DEV.compute.memory_mib)
    assert _container(deployment, template)[1]["image"].endswith(f":{DEV.compute.image_tag}")

    # A template change in code reaches the release project with the apply, and the next release.
    _apply(deployment, tf_cli_config, tmp_path / "changed", _changed_memory())
    changed_template = _project_variables(deployment)["TEMPLATE_TASK_DEFINITION"]
    assert changed_template != template
    second = _release(deployment, f"{repository}:rev2")
    assert _service(deployment)["taskDefinition"] == second
    assert len(_migrations(deployment)) == 2  # each release migrates (app.migrate is idempotent)
    definition, app = _container(deployment, second)
    assert (definition["memory"], app["image"]) == (str(CHANGED_MEMORY), f"{repository}:rev2")

    # One command back to the revision before; the template revisions are never candidates.
    assert rollback(ecs, target_of("dev"), poll_seconds=1) == (second, first)
    assert _service(deployment)["taskDefinition"] == first

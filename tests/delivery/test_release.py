"""The release script (delivery/release.py) and the rollback command (tooling/release.py).

The pure parts on plain dicts; the whole run against moto's in-process ECS and Application Auto Scaling
(moto runs no tasks: its service reports the desired count as running, so a deployment is stable at once).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from delivery.release import (
    READ_ONLY_FIELDS,
    Migration,
    ReleaseError,
    image_from_definitions,
    release,
    render_revision,
    run_migration,
    wait_for_steady_state,
)
from tooling.release import ROLLBACK_REFUSED, Rollback, RollbackError, main, rollback, target_of

REGION = "eu-south-1"
REPO = "123456789012.dkr.ecr.eu-south-1.amazonaws.com/healthtech-dev"
TARGET = Rollback(
    cluster="healthtech-cluster-dev",
    service="healthtech-service-dev",
    family="healthtech-task-dev",
    container="app",
    placeholder_tag="bootstrap",
)


def _described() -> dict[str, Any]:
    return {
        "taskDefinition": {
            "taskDefinitionArn": "arn:aws:ecs:eu-south-1:123456789012:task-definition/healthtech-task-dev:7",
            "family": "healthtech-task-dev",
            "revision": 7,
            "status": "ACTIVE",
            "requiresAttributes": [{"name": "ecs.capability.efsAuth"}],
            "compatibilities": ["EC2", "FARGATE"],
            "registeredAt": "2026-01-01T00:00:00Z",
            "registeredBy": "arn:aws:iam::123456789012:role/ci",
            "cpu": "512",
            "memory": "1024",
            "containerDefinitions": [
                {"name": "sidecar", "image": "public.ecr.aws/x/y:1"},
                {"name": "app", "image": f"{REPO}:bootstrap", "environment": [{"name": "A", "value": "1"}]},
            ],
        },
        "tags": [{"key": "Environment", "value": "dev"}],
    }


def test_render_swaps_only_the_named_containers_image_strips_read_only_fields_and_copies_tags() -> None:
    described = _described()
    rendered = render_revision(described, "app", f"{REPO}:rev1")
    assert not set(READ_ONLY_FIELDS) & set(rendered)
    assert rendered["family"] == "healthtech-task-dev" and rendered["cpu"] == "512"
    assert rendered["containerDefinitions"] == [
        {"name": "sidecar", "image": "public.ecr.aws/x/y:1"},
        {"name": "app", "image": f"{REPO}:rev1", "environment": [{"name": "A", "value": "1"}]},
    ]
    assert rendered["tags"] == [{"key": "Environment", "value": "dev"}]
    assert described == _described()  # the response is not modified


def test_render_refuses_a_template_without_the_container() -> None:
    with pytest.raises(ReleaseError, match="no container 'web' \\(it has: sidecar, app\\)"):
        render_revision(_described(), "web", f"{REPO}:rev1")


def test_image_definitions_name_the_container() -> None:
    text = json.dumps([{"name": "app", "imageUri": f"{REPO}:rev1"}])
    assert image_from_definitions(text, "app") == f"{REPO}:rev1"
    with pytest.raises(ReleaseError, match="no container 'web' \\(it names: app\\)"):
        image_from_definitions(text, "web")


class _Ecs:
    """describe_services answers from a script of states, one per poll."""

    def __init__(self, states: list[dict[str, Any]]) -> None:
        self.states = states

    def describe_services(self, **_: Any) -> dict[str, Any]:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"services": [{"status": "ACTIVE", **state}]}


def _state(revision: str, rollout: str, running: int, desired: int = 2, deployments: int = 1) -> dict[str, Any]:
    primary = {"status": "PRIMARY", "rolloutState": rollout, "rolloutStateReason": "tasks failed to start"}
    return {
        "taskDefinition": revision,
        "runningCount": running,
        "desiredCount": desired,
        "deployments": [primary] + [{"status": "ACTIVE"}] * (deployments - 1),
    }


def _wait(ecs: _Ecs, **kwargs: Any) -> dict[str, Any]:
    return wait_for_steady_state(
        ecs, cluster="c", service="s", revision="td:8", poll_seconds=1, sleep=lambda _: None, **kwargs
    )


def test_wait_returns_once_one_completed_deployment_runs_the_desired_count() -> None:
    ecs = _Ecs(
        [
            _state("td:8", "IN_PROGRESS", 0, deployments=2),
            _state("td:8", "IN_PROGRESS", 1),
            _state("td:8", "COMPLETED", 2),
        ]
    )
    assert _wait(ecs)["runningCount"] == 2


def test_wait_fails_on_a_failed_rollout_and_on_a_circuit_breaker_rollback() -> None:
    with pytest.raises(ReleaseError, match="failed: tasks failed to start"):
        _wait(_Ecs([_state("td:8", "IN_PROGRESS", 0), _state("td:8", "FAILED", 0)]))
    with pytest.raises(ReleaseError, match="back on td:7"):
        _wait(_Ecs([_state("td:8", "IN_PROGRESS", 0), _state("td:7", "IN_PROGRESS", 2)]))


def test_wait_gives_up_at_the_timeout() -> None:
    ticks = iter(range(100))
    with pytest.raises(ReleaseError, match="did not reach a steady state on td:8 in 3s"):
        _wait(_Ecs([_state("td:8", "IN_PROGRESS", 1)]), timeout_seconds=3, clock=lambda: next(ticks))


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    """A cluster, the template (placeholder image), a service at 0 tasks and its scalable target at min 0."""
    with mock_aws():
        ecs = boto3.client("ecs", region_name=REGION)
        autoscaling = boto3.client("application-autoscaling", region_name=REGION)
        ecs.create_cluster(clusterName=TARGET.cluster)
        template = ecs.register_task_definition(
            family=TARGET.family,
            containerDefinitions=[{"name": "app", "image": f"{REPO}:bootstrap", "memory": 512}],
            tags=[{"key": "Environment", "value": "dev"}],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster=TARGET.cluster, serviceName=TARGET.service, taskDefinition=template, desiredCount=0)
        autoscaling.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=f"service/{TARGET.cluster}/{TARGET.service}",
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=0,
            MaxCapacity=6,
        )
        yield ecs, autoscaling


def _release(ecs: Any, autoscaling: Any, image: str, template: str | None = None) -> str:
    if template is None:
        template = ecs.list_task_definitions(familyPrefix=TARGET.family)["taskDefinitionArns"][0]
    return release(
        ecs,
        autoscaling,
        cluster=TARGET.cluster,
        service=TARGET.service,
        template=template,
        container="app",
        image=image,
        desired_count=2,
        min_capacity=2,
        poll_seconds=0,
        log=lambda _: None,
    )


def _service(ecs: Any) -> dict[str, Any]:
    (service,) = ecs.describe_services(cluster=TARGET.cluster, services=[TARGET.service])["services"]
    return dict(service)


def test_first_release_registers_from_the_template_starts_the_desired_count_and_raises_the_minimum(
    aws: tuple[Any, Any],
) -> None:
    ecs, autoscaling = aws
    revision = _release(ecs, autoscaling, f"{REPO}:rev1")
    assert revision.endswith(f"task-definition/{TARGET.family}:2")
    service = _service(ecs)
    assert (service["taskDefinition"], service["desiredCount"]) == (revision, 2)
    described = ecs.describe_task_definition(taskDefinition=revision, include=["TAGS"])
    assert described["taskDefinition"]["containerDefinitions"][0]["image"] == f"{REPO}:rev1"
    assert described["tags"] == [{"key": "Environment", "value": "dev"}]
    (target,) = autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)


def test_a_later_release_keeps_the_count_autoscaling_set(aws: tuple[Any, Any]) -> None:
    ecs, autoscaling = aws
    _release(ecs, autoscaling, f"{REPO}:rev1")
    ecs.update_service(cluster=TARGET.cluster, service=TARGET.service, desiredCount=5)  # a scale-out
    _release(ecs, autoscaling, f"{REPO}:rev2")
    assert _service(ecs)["desiredCount"] == 5


def test_rollback_returns_to_the_previous_release_never_to_a_template_and_refuses_past_the_first(
    aws: tuple[Any, Any],
) -> None:
    ecs, autoscaling = aws
    first = _release(ecs, autoscaling, f"{REPO}:rev1")
    second = _release(ecs, autoscaling, f"{REPO}:rev2")
    assert rollback(ecs, TARGET, poll_seconds=0) == (second, first)
    assert _service(ecs)["taskDefinition"] == first
    with pytest.raises(RollbackError, match=r"no release revision of healthtech-task-dev older than .*:2"):
        rollback(ecs, TARGET, poll_seconds=0)  # revision 1 is the template's placeholder
    assert _service(ecs)["taskDefinition"] == first


def test_an_unknown_environment_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RollbackError, match="unknown environment 'qa' \\(known: dev, prod, staging\\)"):
        target_of("qa")
    assert main(["rollback", "--environment", "qa"]) == ROLLBACK_REFUSED
    assert "rollback refused: unknown environment 'qa'" in capsys.readouterr().err
    assert target_of("dev") == TARGET


def test_the_rollback_command_names_both_revisions(aws: tuple[Any, Any], capsys: pytest.CaptureFixture[str]) -> None:
    ecs, autoscaling = aws
    first = _release(ecs, autoscaling, f"{REPO}:rev1")
    second = _release(ecs, autoscaling, f"{REPO}:rev2")
    assert main(["rollback", "--environment", "dev", "--no-wait", "--endpoint-url", ""]) == 0
    assert capsys.readouterr().out == f"healthtech-service-dev: {second} -> {first}\n"
    assert _service(ecs)["taskDefinition"] == first


def _migration_template(ecs: Any) -> str:
    arn: str = ecs.register_task_definition(
        family="healthtech-migrate-dev",
        containerDefinitions=[
            {"name": "migrate", "image": f"{REPO}:bootstrap", "memory": 512, "command": ["python", "-m", "app.migrate"]}
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    return arn


def _stop_running_tasks(ecs: Any, exit_code: int) -> Any:
    """A ``sleep`` for the migration's wait that ends every running task with ``exit_code`` (moto's own
    tasks stop after a few describes, always with exit code 0)."""
    from moto.ecs.models import ecs_backends

    def sleep(_: float) -> None:
        for arn in ecs.list_tasks(cluster=TARGET.cluster)["taskArns"]:
            for task in ecs_backends["123456789012"][REGION].tasks[TARGET.cluster].values():
                if task.task_arn == arn:
                    task.containers[0].exitCode = exit_code
            ecs.stop_task(cluster=TARGET.cluster, task=arn, reason="Essential container in task exited")

    return sleep


@pytest.mark.parametrize("exit_code", [0, 3])
def test_the_migration_runs_with_the_release_image_in_the_services_network_and_must_exit_0(
    aws: tuple[Any, Any], exit_code: int
) -> None:
    ecs, _ = aws
    migration = Migration(_migration_template(ecs), "migrate", ["subnet-1", "subnet-2"], ["sg-ecs"])

    def run() -> str:
        return run_migration(
            ecs,
            migration,
            cluster=TARGET.cluster,
            image=f"{REPO}:rev1",
            poll_seconds=0,
            sleep=_stop_running_tasks(ecs, exit_code),
            log=lambda _: None,
        )

    if exit_code:
        with pytest.raises(ReleaseError, match="failed \\(exit code 3: Essential container in task exited\\)"):
            run()
    else:
        run()
    (task,) = ecs.describe_tasks(
        cluster=TARGET.cluster, tasks=ecs.list_tasks(cluster=TARGET.cluster, desiredStatus="STOPPED")["taskArns"]
    )["tasks"]
    revision = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])["taskDefinition"]
    assert revision["family"] == "healthtech-migrate-dev" and revision["revision"] == 2  # registered from the template
    assert revision["containerDefinitions"][0]["image"] == f"{REPO}:rev1"
    assert revision["containerDefinitions"][0]["command"] == ["python", "-m", "app.migrate"]
    assert task["startedBy"] == "release"


def test_a_failed_migration_fails_the_release_before_the_service_moves(aws: tuple[Any, Any]) -> None:
    ecs, autoscaling = aws
    template = ecs.list_task_definitions(familyPrefix=TARGET.family)["taskDefinitionArns"][0]
    migration = Migration(_migration_template(ecs), "migrate", ["subnet-1"], ["sg-ecs"])
    with pytest.raises(ReleaseError, match=r"failed \(exit code 1"):
        release(
            ecs, autoscaling, cluster=TARGET.cluster, service=TARGET.service, template=template, container="app",
            image=f"{REPO}:rev1", desired_count=2, min_capacity=2, migration=migration, poll_seconds=0,
            sleep=_stop_running_tasks(ecs, 1), log=lambda _: None,
        )  # fmt: skip
    service = _service(ecs)
    assert (service["taskDefinition"], service["desiredCount"]) == (template, 0)  # untouched
    assert ecs.list_task_definitions(familyPrefix=TARGET.family)["taskDefinitionArns"] == [template]


class _SlowTasks:
    """The ECS client with a slow migration (running until ``migration_ends`` on ``clock``) and a rollout
    that never finishes (the service's running count held at 0)."""

    def __init__(self, ecs: Any, clock: Callable[[], float], migration_ends: float) -> None:
        self._ecs, self._clock, self._migration_ends = ecs, clock, migration_ends

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ecs, name)

    def describe_services(self, **kwargs: Any) -> dict[str, Any]:
        found: dict[str, Any] = self._ecs.describe_services(**kwargs)
        for service in found["services"]:
            service["runningCount"] = 0
        return found

    def describe_tasks(self, **kwargs: Any) -> dict[str, Any]:
        found: dict[str, Any] = self._ecs.describe_tasks(**kwargs)
        if self._clock() < self._migration_ends:
            for task in found["tasks"]:
                task["lastStatus"] = "RUNNING"
        return found


def test_the_migration_and_the_rollout_share_one_deadline(aws: tuple[Any, Any]) -> None:
    """A migration that takes 8 of the release's 10 seconds leaves the rollout 2, not another 10: the
    script stops, with its reason, before the release project's build timeout would."""
    ecs, autoscaling = aws
    template = ecs.list_task_definitions(familyPrefix=TARGET.family)["taskDefinitionArns"][0]
    migration = Migration(_migration_template(ecs), "migrate", ["subnet-1"], ["sg-ecs"])
    now = [0.0]

    def clock() -> float:
        return now[0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(ReleaseError, match=r"did not reach a steady state on .*:2 in 2s"):
        release(
            _SlowTasks(ecs, clock, migration_ends=8), autoscaling, cluster=TARGET.cluster, service=TARGET.service,
            template=template, container="app", image=f"{REPO}:rev1", desired_count=2, min_capacity=2,
            migration=migration, timeout_seconds=10, poll_seconds=1, sleep=sleep, clock=clock, log=lambda _: None,
        )  # fmt: skip
    assert now[0] == 10  # the whole release's deadline, not 8 + 10
    assert _service(ecs)["desiredCount"] == 0  # a failed first release leaves nothing running

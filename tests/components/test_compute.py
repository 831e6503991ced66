"""ECS Fargate as synthesized: a locked-down container, secrets injected, EFS over TLS, autoscaling."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Synth


def _container(synth: Synth) -> dict[str, Any]:
    (container,) = json.loads(synth.by_path("compute/task")["container_definitions"])
    return dict(container)


def test_cluster_has_container_insights_and_fargate_capacity(each_env: tuple) -> None:
    config, synth = each_env
    cluster = synth.by_path("compute/cluster")
    assert cluster["name"] == f"healthtech-cluster-{config.name}"
    assert cluster["setting"] == [{"name": "containerInsights", "value": "enabled"}]
    providers = synth.by_path("compute/capacity-providers")["capacity_providers"]
    assert providers == (["FARGATE", "FARGATE_SPOT"] if config.compute.fargate_spot else ["FARGATE"])


def test_dev_runs_mostly_on_spot_with_one_regular_task_and_prod_never_on_spot(dev: Synth, prod: Synth) -> None:
    assert dev.by_path("compute/service")["capacity_provider_strategy"] == [
        {"capacity_provider": "FARGATE", "base": 1, "weight": 1},
        {"capacity_provider": "FARGATE_SPOT", "weight": 3},
    ]
    assert prod.by_path("compute/service")["capacity_provider_strategy"] == [
        {"capacity_provider": "FARGATE", "weight": 1}
    ]


def test_task_definition_is_fargate_with_configured_size_and_both_roles(each_env: tuple) -> None:
    config, synth = each_env
    task = synth.by_path("compute/task")
    assert task["family"] == f"healthtech-task-{config.name}"
    assert (task["requires_compatibilities"], task["network_mode"]) == (["FARGATE"], "awsvpc")
    assert (task["cpu"], task["memory"]) == (str(config.compute.cpu), str(config.compute.memory_mib))
    assert task["execution_role_arn"] == synth.ref("identity/execution-role", "arn")
    assert task["task_role_arn"] == synth.ref("identity/task-role", "arn")


def test_efs_volume_goes_through_the_access_point_with_tls_and_iam(each_env: tuple) -> None:
    _, synth = each_env
    data, scratch = synth.by_path("compute/task")["volume"]
    assert data == {
        "name": "data",
        "efs_volume_configuration": {
            "file_system_id": synth.ref("file-storage/file-system"),
            "transit_encryption": "ENABLED",
            "authorization_config": {"access_point_id": synth.ref("file-storage/access-point"), "iam": "ENABLED"},
        },
    }
    assert scratch == {"name": "scratch"}


def test_container_is_read_only_non_root_unprivileged_and_without_capabilities(each_env: tuple) -> None:
    config, synth = each_env
    c = _container(synth)
    assert c["readonlyRootFilesystem"] is True and c["privileged"] is False
    assert c["user"] == "1000:1000"
    assert c["linuxParameters"] == {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}}
    assert c["image"] == f"${{{synth.address('registry/repository')}.repository_url}}:{config.compute.image_tag}"
    assert c["portMappings"] == [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}]
    assert c["healthCheck"]["command"] == ["CMD-SHELL", "curl -fsS http://localhost:8080/health || exit 1"]
    assert [m["containerPath"] for m in c["mountPoints"]] == ["/mnt/data", "/tmp"]


def test_database_credentials_come_from_the_secret_never_from_environment(each_env: tuple) -> None:
    _, synth = each_env
    c = _container(synth)
    secret = f"${{{synth.address('database/instance')}.master_user_secret[0].secret_arn}}"
    assert c["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": f"{secret}:password::"},
        {"name": "DB_USERNAME", "valueFrom": f"{secret}:username::"},
    ]
    env = {e["name"]: e["value"] for e in c["environment"]}
    assert env["DB_HOST"] == synth.ref("database/instance", "address") and env["PGSSLMODE"] == "verify-full"
    assert not [k for k in env if "PASSWORD" in k or "SECRET" in k]


def test_logs_go_to_an_encrypted_group_with_the_configured_retention(each_env: tuple) -> None:
    config, synth = each_env
    group = synth.by_path("compute/log-group")
    assert group["name"] == f"/healthtech/{config.name}/app"
    assert group["kms_key_id"] == synth.ref("encryption/logs/key", "arn")
    assert group["retention_in_days"] == config.observability.log_retention_days
    options = _container(synth)["logConfiguration"]["options"]
    assert options["awslogs-group"] == synth.ref("compute/log-group", "name")


def test_execution_role_pulls_only_our_repository_and_writes_only_our_log_group(each_env: tuple) -> None:
    _, synth = each_env
    policies = {
        p["name"]: json.loads(p["policy"])["Statement"]
        for p in synth.resources("aws_iam_role_policy").values()
        if p["role"] == synth.ref("identity/execution-role")
    }
    assert sorted(policies) == ["pull-images", "read-database-secret", "write-application-logs"]
    login, pull = policies["pull-images"]
    assert login["Action"] == "ecr:GetAuthorizationToken" and login["Resource"] == "*"
    assert login["Sid"] == "EcrLoginHasNoResourceLevelPermission"
    assert pull["Resource"] == synth.ref("registry/repository", "arn")
    assert "ecr:PutImage" not in pull["Action"]
    (logs,) = policies["write-application-logs"]
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == f"{synth.ref('compute/log-group', 'arn')}:log-stream:*"


def test_task_role_holds_only_the_efs_client_grant(each_env: tuple) -> None:
    _, synth = each_env
    names = [
        p["name"]
        for p in synth.resources("aws_iam_role_policy").values()
        if p["role"] == synth.ref("identity/task-role")
    ]
    assert names == ["mount-application-file-system"]
    task_role = synth.ref("identity/task-role")
    assert not [a for a in synth.resources("aws_iam_role_policy_attachment").values() if a["role"] == task_role]


def test_service_is_private_rolls_back_and_leaves_the_count_to_autoscaling(each_env: tuple) -> None:
    config, synth = each_env
    service = synth.by_path("compute/service")
    assert service["name"] == f"healthtech-service-{config.name}"
    assert service["network_configuration"] == {
        "subnets": [synth.ref("network/private-subnet-1"), synth.ref("network/private-subnet-2")],
        "security_groups": [synth.ref("compute/connections/security-group")],
        "assign_public_ip": False,
    }
    assert service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
    assert (service["deployment_minimum_healthy_percent"], service["deployment_maximum_percent"]) == (100, 200)
    assert service["enable_execute_command"] is False
    # No task before the first release (the template's image is a placeholder); the release sets the count.
    assert service["desired_count"] == 0
    assert service["lifecycle"] == {"ignore_changes": ["desired_count", "task_definition"]}
    assert service["health_check_grace_period_seconds"] == config.compute.health_check_grace_period_seconds
    assert service["load_balancer"] == [
        {
            "target_group_arn": synth.ref("load-balancer/target-group", "arn"),
            "container_name": "app",
            "container_port": 8080,
        }
    ]
    listeners = [synth.address(f"load-balancer/{c.node.id}") for c in synth.stack.load_balancer.listeners]
    assert set(listeners) <= set(service["depends_on"])


def test_autoscaling_tracks_cpu_and_memory_between_the_configured_bounds(each_env: tuple) -> None:
    config, synth = each_env
    target = synth.by_path("compute/scalable-target")
    # RegisterScalableTarget moves the count into [min, max]: the minimum is 0 until the first release
    # registers compute.min_capacity (delivery/release.py), and the apply never sets it again.
    assert (target["min_capacity"], target["max_capacity"]) == (0, config.compute.max_capacity)
    assert target["lifecycle"] == {"ignore_changes": ["min_capacity"]}
    assert target["scalable_dimension"] == "ecs:service:DesiredCount"
    assert target["resource_id"] == (
        f"service/{synth.ref('compute/cluster', 'name')}/{synth.ref('compute/service', 'name')}"
    )
    tracked = {
        p["target_tracking_scaling_policy_configuration"]["predefined_metric_specification"][
            "predefined_metric_type"
        ]: p["target_tracking_scaling_policy_configuration"]["target_value"]
        for p in synth.resources("aws_appautoscaling_policy").values()
    }
    assert tracked == {
        "ECSServiceAverageCPUUtilization": config.compute.cpu_target_percent,
        "ECSServiceAverageMemoryUtilization": config.compute.memory_target_percent,
    }


def test_repository_is_scanned_immutable_encrypted_and_pruned(each_env: tuple) -> None:
    config, synth = each_env
    repo = synth.by_path("registry/repository")
    assert repo["name"] == f"healthtech-{config.name}"
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["image_scanning_configuration"] == {"scan_on_push": True}
    assert repo["encryption_configuration"] == [
        {"encryption_type": "KMS", "kms_key": synth.ref("encryption/ecr/key", "arn")}
    ]
    assert repo["force_delete"] is config.force_destroy
    (rule,) = json.loads(synth.by_path("registry/lifecycle")["policy"])["rules"]
    assert rule["selection"]["countNumber"] == config.compute.ecr_images_kept
    assert rule["action"] == {"type": "expire"}


def test_a_long_grace_period_stays_within_the_container_health_check_limit(tmp_path: Any) -> None:
    import dataclasses

    import cdktf

    from config import ENVIRONMENTS
    from stacks.platform_stack import PlatformStack

    prod = ENVIRONMENTS["prod"]
    config = dataclasses.replace(prod, compute=dataclasses.replace(prod.compute, health_check_grace_period_seconds=900))
    synth = Synth(PlatformStack(cdktf.App(outdir=str(tmp_path)), config))
    assert _container(synth)["healthCheck"]["startPeriod"] == 300
    assert synth.by_path("compute/service")["health_check_grace_period_seconds"] == 900

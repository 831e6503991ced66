"""ECS Fargate as synthesized: a locked-down container logging in to the database with IAM, EFS over TLS,
autoscaling, and the one-off migration task."""

from __future__ import annotations

import json
from pathlib import Path
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
    # The image's own Python, exec form: no curl, no shell.
    assert c["healthCheck"]["command"] == ["CMD", "python", "-m", "app.healthcheck"]
    assert [m["containerPath"] for m in c["mountPoints"]] == ["/mnt/data", "/tmp"]


def test_the_container_gets_the_contract_environment_and_no_secret_at_all(each_env: tuple) -> None:
    config, synth = each_env
    c = _container(synth)
    assert "secrets" not in c  # IAM database authentication: nothing for ECS to fetch
    assert {e["name"]: e["value"] for e in c["environment"]} == {
        "AWS_REGION": config.region,
        "DATA_DIR": "/mnt/data",
        "DB_HOST": synth.ref("database/instance", "address"),
        "DB_NAME": config.database.database_name,
        "DB_PORT": "5432",
        "DB_USER": "healthtech_app",
        "HEALTH_PATH": "/health",
        "PGSSLMODE": "verify-full",
        "PORT": "8080",
    }
    container_definitions = synth.by_path("compute/task")["container_definitions"]
    assert "master_user_secret" not in container_definitions and "PASSWORD" not in container_definitions


def test_the_app_user_is_the_configured_one(tmp_path: Any) -> None:
    import dataclasses

    import cdktf

    from config import ENVIRONMENTS
    from stacks.platform_stack import PlatformStack

    dev = ENVIRONMENTS["dev"]
    config = dataclasses.replace(dev, database=dataclasses.replace(dev.database, app_username="clinic_app"))
    synth = Synth(PlatformStack(cdktf.App(outdir=str(tmp_path)), config))
    env = {e["name"]: e["value"] for e in _container(synth)["environment"]}
    assert env["DB_USER"] == "clinic_app"
    (connect,) = json.loads(synth.by_path("database/connect-task-role")["policy"])["Statement"]
    assert connect["Resource"].endswith(":dbuser:${" + synth.address("database/instance") + ".resource_id}/clinic_app")
    assert synth.doc["output"]["RDSAppUsername"]["value"] == "clinic_app"


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
    assert sorted(policies) == ["pull-images", "write-application-logs"]
    assert not [s for p in policies.values() for s in p if "secretsmanager" in json.dumps(s["Action"])]
    login, pull = policies["pull-images"]
    assert login["Action"] == "ecr:GetAuthorizationToken" and login["Resource"] == "*"
    assert login["Sid"] == "EcrLoginHasNoResourceLevelPermission"
    assert pull["Resource"] == synth.ref("registry/repository", "arn")
    assert "ecr:PutImage" not in pull["Action"]
    (logs,) = policies["write-application-logs"]
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == f"{synth.ref('compute/log-group', 'arn')}:log-stream:*"


def test_task_role_holds_only_the_efs_client_and_database_connect_grants(each_env: tuple) -> None:
    _, synth = each_env
    names = sorted(
        p["name"]
        for p in synth.resources("aws_iam_role_policy").values()
        if p["role"] == synth.ref("identity/task-role")
    )
    assert names == ["connect-to-database", "mount-application-file-system"]
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


def _migration_container(synth: Synth) -> dict[str, Any]:
    (container,) = json.loads(synth.by_path("compute/migrate-task")["container_definitions"])
    return dict(container)


def test_migration_task_runs_app_migrate_from_the_same_image_as_the_same_locked_down_user(each_env: tuple) -> None:
    config, synth = each_env
    task = synth.by_path("compute/migrate-task")
    assert task["family"] == f"healthtech-migrate-{config.name}"
    assert (task["requires_compatibilities"], task["network_mode"]) == (["FARGATE"], "awsvpc")
    assert task["task_role_arn"] == synth.ref("identity/migrate-role", "arn")
    assert task["execution_role_arn"] == synth.ref("identity/execution-role", "arn")
    assert task["volume"] == [{"name": "scratch"}]  # no EFS
    c, app = _migration_container(synth), _container(synth)
    assert c["command"] == ["python", "-m", "app.migrate"]
    for same in ("image", "user", "readonlyRootFilesystem", "privileged", "linuxParameters"):
        assert c[same] == app[same], same
    assert c["readonlyRootFilesystem"] is True and c["user"] == "1000:1000"
    assert c["mountPoints"] == [{"sourceVolume": "scratch", "containerPath": "/tmp", "readOnly": False}]
    assert "portMappings" not in c and "healthCheck" not in c and "secrets" not in c
    assert c["logConfiguration"]["options"] == {
        "awslogs-group": synth.ref("compute/log-group", "name"),
        "awslogs-region": config.region,
        "awslogs-stream-prefix": "migrate",
    }
    assert {e["name"]: e["value"] for e in c["environment"]} == {
        "AWS_REGION": config.region,
        "DB_HOST": synth.ref("database/instance", "address"),
        # The secret's ARN, read at run time; never its value.
        "DB_MASTER_SECRET_ARN": f"${{{synth.address('database/instance')}.master_user_secret[0].secret_arn}}",
        "DB_NAME": config.database.database_name,
        "DB_PORT": "5432",
        "DB_USER": config.database.app_username,
        "PGSSLMODE": "verify-full",
    }


def test_migration_task_is_exposed_with_the_private_network_it_must_run_in(each_env: tuple) -> None:
    _, synth = each_env
    task = synth.stack.compute.migration_task
    assert task.definition is synth.element("compute/migrate-task")
    assert task.task_role is synth.element("identity/migrate-role")
    assert task.execution_role is synth.element("identity/execution-role")
    assert task.container_name == "migrate"
    # The service's network: the private subnets and the tasks' security group (5432 to RDS, 443 out).
    import cdktf

    def resolved(tokens: list[str]) -> Any:
        return cdktf.Tokenization.resolve(
            tokens, scope=synth.stack, resolver=cdktf.DefaultTokenResolver(cdktf.StringConcat())
        )

    service = synth.by_path("compute/service")["network_configuration"]
    assert resolved(task.subnet_ids) == service["subnets"]
    assert resolved(task.security_group_ids) == service["security_groups"]


def test_migration_role_is_assumable_only_by_ecs_tasks_of_the_account(each_env: tuple) -> None:
    config, synth = each_env
    role = synth.by_path("identity/migrate-role")
    assert role["name"] == f"healthtech-migrate-role-{config.name}"
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": synth.ref("context/caller", "account_id")}
    names = [
        p["name"]
        for p in synth.resources("aws_iam_role_policy").values()
        if p["role"] == synth.ref("identity/migrate-role")
    ]
    assert names == ["read-database-secret"]


def test_the_reference_application_accepts_both_environments_as_synthesized(dev: Synth) -> None:
    import app.migrate
    from app.settings import load

    host = "healthtech-postgres-dev.abc.eu-south-1.rds.amazonaws.com"

    def environment(container: dict[str, Any]) -> dict[str, str]:
        env = {e["name"]: e["value"] for e in container["environment"]}
        return {k: host if k == "DB_HOST" else v for k, v in env.items()}

    settings = load(environment(_container(dev)))
    assert settings.database is not None
    assert (settings.database.user, settings.database.password) == ("healthtech_app", None)  # IAM token only
    migrate = environment(_migration_container(dev))
    sources = "".join((Path(app.migrate.__file__).parent / f).read_text() for f in ("migrate.py", "settings.py"))
    assert [name for name in migrate if f'"{name}"' not in sources] == []  # each one is read
    assert app.migrate.main({**migrate, "DB_HOST": ""}) == 2  # and without one it stops at once
    assert load({**migrate, "DATA_DIR": "/tmp"}).database is not None

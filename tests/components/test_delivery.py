"""The release pipeline as synthesized: no hand steps, scoped roles, encrypted artifacts."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import cdktf
import yaml

from components.delivery import BUILDSPEC
from components.release import PIPFILE_LOCK, RELEASE_SCRIPT, release_buildspec, release_requirements
from components.source_seed import file_sha256, seed_archive
from config import ENVIRONMENTS, validate
from config.settings import SourceKind
from config.validation_layers import IMAGE_TAG
from stacks.platform_stack import PlatformStack
from tests.conftest import Synth


def _statements(synth: Synth, policy_name: str) -> list[dict[str, Any]]:
    (policy,) = [p for p in synth.resources("aws_iam_role_policy").values() if p["name"] == policy_name]
    statements: list[dict[str, Any]] = json.loads(policy["policy"])["Statement"]
    return statements


def test_artifact_bucket_is_kms_encrypted_versioned_private_tls_only_and_expiring(each_env: tuple) -> None:
    config, synth = each_env
    bucket = synth.by_path("delivery/artifacts/bucket")
    account = synth.ref("context/caller", "account_id")
    assert bucket["bucket"] == f"healthtech-artifacts-{config.name}-{account}"
    assert bucket["force_destroy"] is config.force_destroy
    (rule,) = synth.by_path("delivery/artifacts/encryption")["rule"]
    assert rule == {
        "apply_server_side_encryption_by_default": {
            "sse_algorithm": "aws:kms",
            "kms_master_key_id": synth.ref("encryption/s3/key", "arn"),
        },
        "bucket_key_enabled": True,
    }
    assert synth.by_path("delivery/artifacts/versioning")["versioning_configuration"] == {"status": "Enabled"}
    assert synth.by_path("delivery/artifacts/ownership")["rule"] == {"object_ownership": "BucketOwnerEnforced"}
    (deny,) = json.loads(synth.by_path("delivery/artifacts/policy")["policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    expiring, old_versions = synth.by_path("delivery/artifacts/lifecycle")["rule"]
    assert expiring["expiration"] == [{"days": config.delivery.artifact_retention_days}]
    assert expiring["filter"] == [{"prefix": "healthtech-pipeline-"}]  # the pipeline's artifacts only
    assert old_versions["filter"] == [{"prefix": ""}] and "expiration" not in old_versions


def test_pipeline_is_v2_with_an_encrypted_store_and_source_build_deploy_in_order(each_env: tuple) -> None:
    config, synth = each_env
    pipeline = synth.by_path("delivery/pipeline")
    assert pipeline["name"] == f"healthtech-pipeline-{config.name}" and pipeline["pipeline_type"] == "V2"
    assert pipeline["artifact_store"] == [
        {
            "type": "S3",
            "location": synth.ref("delivery/artifacts/bucket", "bucket"),
            "encryption_key": {"type": "KMS", "id": synth.ref("encryption/s3/key", "arn")},
        }
    ]
    source, build, deploy = pipeline["stage"]
    assert [s["name"] for s in pipeline["stage"]] == ["Source", "Build", "Deploy"]
    (source_action,) = source["action"]
    assert source_action["provider"] == "S3"
    assert source_action["configuration"] == {
        "S3Bucket": synth.ref("delivery/artifacts/bucket", "bucket"),
        "S3ObjectKey": "source/app.zip",
        "PollForSourceChanges": "false",
    }
    (build_action,) = build["action"]
    assert build_action["configuration"] == {"ProjectName": synth.ref("delivery/build", "name")}
    (deploy_action,) = deploy["action"]
    # The release project, not CodePipeline's ECS action (which copies the revision the service runs).
    assert (deploy_action["name"], deploy_action["provider"]) == ("Release", "CodeBuild")
    assert deploy_action["input_artifacts"] == ["image"]
    assert deploy_action["configuration"] == {"ProjectName": synth.ref("delivery/release/project", "name")}
    # Its run on creation finds the seeded source, and the scalable target the release sets the minimum of
    # (and its roles' policies: test_the_first_run_finds_every_policy_of_its_three_roles).
    assert pipeline["depends_on"][:2] == [
        synth.address("delivery/source-seed"),
        synth.address("compute/scalable-target"),
    ]


# The roles the pipeline's first run acts as: its own, the build's and the release's.
FIRST_RUN_ROLES = ("delivery/pipeline-role", "delivery/build-role", "delivery/release/role")


def _role_policies(synth: Synth, role_path: str) -> set[str]:
    """Addresses of every inline policy and managed-policy attachment of the role at ``role_path``."""
    role = {synth.ref(role_path, "id"), synth.ref(role_path, "name")}
    return {
        f"{tf_type}.{logical_id}"
        for tf_type in ("aws_iam_role_policy", "aws_iam_role_policy_attachment")
        for logical_id, resource in synth.resources(tf_type).items()
        if resource["role"] in role
    }


def test_the_first_run_finds_every_policy_of_its_three_roles(each_env: tuple) -> None:
    _, synth = each_env
    depends = set(synth.by_path("delivery/pipeline")["depends_on"])
    by_role = {path: _role_policies(synth, path) for path in FIRST_RUN_ROLES}
    # The pipeline's artifacts and builds; the build's artifacts and logs, its push; the release's artifacts
    # and logs, its ECS deploy.
    assert [len(by_role[path]) for path in FIRST_RUN_ROLES] == [1, 2, 2]
    for path, policies in by_role.items():
        assert policies <= depends, f"{path}: {sorted(policies - depends)} not in the pipeline's depends_on"
    # Nothing else: the upload trigger's role is not what the first run acts as.
    trigger = _role_policies(synth, "delivery/source-trigger-role")
    assert len(trigger) == 1 and not trigger & depends


def test_an_upload_starts_the_pipeline_through_eventbridge(each_env: tuple) -> None:
    config, synth = each_env
    assert synth.by_path("delivery/notify-eventbridge")["eventbridge"] is True
    rule = synth.by_path("delivery/source-uploaded")
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [synth.ref("delivery/artifacts/bucket", "bucket")]},
            "object": {"key": [config.delivery.source_object_key]},
        },
    }
    target = synth.by_path("delivery/source-uploaded-target")
    assert target["arn"] == synth.ref("delivery/pipeline", "arn")
    assert target["role_arn"] == synth.ref("delivery/source-trigger-role", "arn")
    (start,) = _statements(synth, "start-pipeline")
    assert start == {
        "Effect": "Allow",
        "Action": "codepipeline:StartPipelineExecution",
        "Resource": synth.ref("delivery/pipeline", "arn"),
    }


def test_build_is_privileged_only_for_docker_has_no_credentials_and_encrypts(each_env: tuple) -> None:
    config, synth = each_env
    project = synth.by_path("delivery/build")
    assert project["name"] == f"healthtech-build-{config.name}"
    assert project["encryption_key"] == synth.ref("encryption/s3/key", "arn")
    env = project["environment"]
    assert env["privileged_mode"] is True and env["image"].startswith("aws/codebuild/")
    variables = {v["name"]: v["value"] for v in env["environment_variable"]}
    assert variables == {
        "REPOSITORY_URI": synth.ref("registry/repository", "repository_url"),
        "CONTAINER_NAME": "app",
    }
    assert not [n for n in variables if "AWS_" in n or "SECRET" in n or "KEY" in n]
    assert project["logs_config"]["cloudwatch_logs"] == {
        "status": "ENABLED",
        "group_name": synth.ref("delivery/build-log-group", "name"),
    }
    group = synth.by_path("delivery/build-log-group")
    assert group["kms_key_id"] == synth.ref("encryption/logs/key", "arn")
    # The checked-in buildspec, with Terraform's ${ escaped so the shell sees its own variables.
    assert project["source"]["buildspec"] == BUILDSPEC.read_text().replace("${", "$${")


def test_buildspec_pushes_the_revision_tag_and_writes_imagedefinitions() -> None:
    spec = yaml.safe_load(BUILDSPEC.read_text())
    assert spec["version"] == 0.2 and spec["artifacts"]["files"] == ["imagedefinitions.json"]
    commands = [c for phase in spec["phases"].values() for c in phase["commands"]]
    assert any("CODEBUILD_RESOLVED_SOURCE_VERSION" in c for c in commands)
    assert 'if [ "$EXISTS" = false ]; then docker push "$REPOSITORY_URI:$IMAGE_TAG"; fi' in commands
    assert all(phase["on-failure"] == "ABORT" for phase in spec["phases"].values())


def test_roles_are_scoped_to_these_resources(each_env: tuple) -> None:
    _, synth = each_env
    pipeline = _statements(synth, "run-the-release")
    # The pipeline only moves artifacts and starts the two projects: no ECS, no PassRole, no "*".
    assert {
        "Effect": "Allow",
        "Action": ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
        "Resource": [synth.ref("delivery/build", "arn"), synth.ref("delivery/release/project", "arn")],
    } in pipeline
    actions = [a for s in pipeline for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not [a for a in actions if a.startswith(("ecs:", "iam:", "application-autoscaling:"))]
    assert "*" not in {json.dumps(s["Resource"]) for s in pipeline}
    login, push = _statements(synth, "push-images")
    assert login["Resource"] == "*" and login["Action"] == "ecr:GetAuthorizationToken"
    assert push["Resource"] == synth.ref("registry/repository", "arn") and "ecr:PutImage" in push["Action"]
    assert "ecr:DescribeImages" in push["Action"]  # the build skips a tag that is already there
    build = _statements(synth, "build-artifacts-and-logs")
    assert "*" not in {json.dumps(s["Resource"]) for s in build}


def test_release_role_may_exactly_deploy_this_service(each_env: tuple) -> None:
    config, synth = each_env
    role = synth.by_path("delivery/release/role")
    assert role["name"].startswith("healthtech-release-role-")
    assert json.loads(role["assume_role_policy"])["Statement"][0]["Principal"] == {"Service": "codebuild.amazonaws.com"}
    region, account = config.region, synth.ref("context/caller", "account_id")
    partition = synth.ref("context/partition", "partition")
    family = synth.ref("compute/task", "family")
    migrate_family = synth.ref("compute/migrate-task", "family")
    # Compute.grant_deploy: what the release may do to ECS; the release project's own: logs and its input.
    (deploy,) = [p for p in synth.resources("aws_iam_role_policy").values() if p["name"] == "deploy-to-ecs"]
    assert deploy["role"] == synth.ref("delivery/release/role")
    assert _statements(synth, "deploy-to-ecs") + _statements(synth, "release-logs-and-artifacts") == [
        {
            "Effect": "Allow",
            "Action": ["ecs:DescribeServices", "ecs:UpdateService"],
            "Resource": synth.ref("compute/service", "id"),
        },
        {
            "Sid": "EcsTaskDefinitionsHaveNoResourceLevelPermission",
            "Effect": "Allow",
            "Action": ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": [
                f"arn:{partition}:ecs:{region}:{account}:task-definition/{family}:*",
                f"arn:{partition}:ecs:{region}:{account}:task-definition/{migrate_family}:*",
            ],
            "Condition": {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}},
        },
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": [
                synth.ref("identity/task-role", "arn"),
                synth.ref("identity/execution-role", "arn"),
                synth.ref("identity/migrate-role", "arn"),
            ],
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
        {
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": f"arn:{partition}:ecs:{region}:{account}:task-definition/{migrate_family}:*",
            "Condition": {"ArnEquals": {"ecs:cluster": synth.ref("compute/cluster", "arn")}},
        },
        {
            "Effect": "Allow",
            "Action": "ecs:DescribeTasks",
            "Resource": f"arn:{partition}:ecs:{region}:{account}:task/{synth.ref('compute/cluster', 'name')}/*",
        },
        {
            "Effect": "Allow",
            "Action": "application-autoscaling:RegisterScalableTarget",
            "Resource": synth.ref("compute/scalable-target", "arn"),
            "Condition": {
                "StringEquals": {
                    "application-autoscaling:service-namespace": "ecs",
                    "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount",
                }
            },
        },
        {
            "Sid": "DescribeScalableTargetsHasNoResourceLevelPermission",
            "Effect": "Allow",
            "Action": "application-autoscaling:DescribeScalableTargets",
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{synth.ref('delivery/release/log-group', 'arn')}:log-stream:*",
        },
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": f"{synth.ref('delivery/artifacts/bucket', 'arn')}/healthtech-pipeline-*",
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": synth.ref("encryption/s3/key", "arn"),
        },
    ]


def test_release_project_embeds_the_script_and_the_pinned_boto3_and_reads_the_template_arn(
    each_env: tuple,
) -> None:
    config, synth = each_env
    project = synth.by_path("delivery/release/project")
    assert project["name"] == f"healthtech-release-{config.name}"
    assert project["service_role"] == synth.ref("delivery/release/role", "arn")
    assert project["encryption_key"] == synth.ref("encryption/s3/key", "arn")
    env = project["environment"]
    assert env["privileged_mode"] is False
    assert {v["name"]: v["value"] for v in env["environment_variable"]} == {
        "CLUSTER_NAME": synth.ref("compute/cluster", "name"),
        "SERVICE_NAME": synth.ref("compute/service", "name"),
        # Every apply that changes the template updates the project, so the next release carries it.
        "TEMPLATE_TASK_DEFINITION": synth.ref("compute/task", "arn"),
        "CONTAINER_NAME": "app",
        "DESIRED_COUNT": str(config.compute.desired_count),
        "MIN_CAPACITY": str(config.compute.min_capacity),
        "RELEASE_TIMEOUT_SECONDS": str(config.delivery.release_timeout_minutes * 60),
        "MIGRATION_TASK_DEFINITION": synth.ref("compute/migrate-task", "arn"),
        "MIGRATION_CONTAINER": "migrate",
        "TASK_SUBNETS": ",".join(synth.ref(f"network/private-subnet-{i + 1}") for i in range(2)),
        "TASK_SECURITY_GROUPS": synth.ref("compute/connections/security-group"),
    }
    assert project["logs_config"]["cloudwatch_logs"]["group_name"] == synth.ref("delivery/release/log-group", "name")
    assert project["source"]["buildspec"] == release_buildspec().replace("${", "$${").replace("%{", "%%{")
    spec = yaml.safe_load(release_buildspec())
    install, build = spec["phases"]["install"]["commands"], spec["phases"]["build"]["commands"]
    assert RELEASE_SCRIPT.read_text() in build[0] and build[0].startswith("cat > /tmp/release.py <<'RELEASE_PY'")
    lock = json.loads(PIPFILE_LOCK.read_text())["develop"]
    for name in ("boto3", "botocore", "jmespath", "s3transfer", "python-dateutil", "six", "urllib3"):
        pin = f"{name}{lock[name]['version']} " + " ".join(f"--hash={h}" for h in lock[name]["hashes"])
        assert pin in install[1].splitlines()
    assert "pip install --quiet --no-deps --require-hashes -r /tmp/release-requirements.txt" in install[3]


def test_the_reference_application_seeds_the_source_once(each_env: tuple, tmp_path: Path) -> None:
    config, synth = each_env
    seed = synth.by_path("delivery/source-seed")
    assert seed["bucket"] == synth.ref("delivery/artifacts/bucket", "id")
    assert seed["key"] == config.delivery.source_object_key
    assert seed["kms_key_id"] == synth.ref("encryption/s3/key", "arn")
    # Written after the bucket's versioning is on, so it gets a version id, not null.
    assert seed["depends_on"] == [synth.address("delivery/artifacts/versioning")]
    # Created once: a team's later uploads to the key are never overwritten by an apply, and their tags
    # (none, or the team's own) are no drift; the seed itself is created with the provider's default_tags.
    assert seed["lifecycle"] == {"ignore_changes": ["source", "source_hash", "content_type", "tags", "tags_all"]}
    assert "tags" not in seed and "override_provider" not in seed
    archive = seed_archive()
    assert seed["source_hash"] == file_sha256(archive) and seed["source"].endswith(archive.name)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
    assert "Dockerfile" in names and "server.py" in names and not [n for n in names if "__pycache__" in n]
    assert seed_archive(out_dir=tmp_path).read_bytes() == archive.read_bytes()  # deterministic


def test_no_seed_where_the_source_is_not_ours(tmp_path: Path) -> None:
    config = dataclasses.replace(
        ENVIRONMENTS["dev"], delivery=dataclasses.replace(ENVIRONMENTS["dev"].delivery, seed_source=False)
    )
    synth = Synth(PlatformStack(cdktf.App(outdir=str(tmp_path)), config))
    assert not synth.resources("aws_s3_object")
    depends = synth.by_path("delivery/pipeline")["depends_on"]
    assert depends[0] == synth.address("compute/scalable-target")
    assert not [address for address in depends if address.startswith("aws_s3_object.")]
    assert {a for path in FIRST_RUN_ROLES for a in _role_policies(synth, path)} == set(depends[1:])


def test_outputs_keep_the_original_names(each_env: tuple) -> None:
    _, synth = each_env
    out = synth.doc["output"]
    assert out["PipelineName"]["value"] == synth.ref("delivery/pipeline", "name")
    assert out["PipelineArn"]["value"] == synth.ref("delivery/pipeline", "arn")
    assert out["ArtifactBucketName"]["value"] == synth.ref("delivery/artifacts/bucket", "bucket")


def test_buildspec_commands_run_and_tag_the_image_with_the_source_revision(tmp_path: Path) -> None:
    """Run the buildspec's commands with bash, docker and aws replaced by stubs that record their calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("docker", "aws"):
        stub = bin_dir / tool
        # `docker login` drains the password from the pipe as the real one does (else aws gets SIGPIPE).
        # describe-images answers as ECR does for a missing tag unless IMAGE_EXISTS is set.
        stub.write_text(
            f'#!/bin/sh\necho "{tool} $*" >> "$CALLS"\n'
            'if [ "$2" = describe-images ]; then [ -n "$IMAGE_EXISTS" ] && exit 0\n'
            '  echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation" >&2\n'
            "  exit 254\nfi\n"
            '[ "$1" = ecr ] && echo token\n[ "$1" = login ] && cat > /dev/null\nexit 0\n'
        )
        stub.chmod(0o755)
    spec = yaml.safe_load(BUILDSPEC.read_text())
    script = "\n".join(c for phase in ("pre_build", "build", "post_build") for c in spec["phases"][phase]["commands"])
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "CALLS": str(tmp_path / "calls"),
        "AWS_REGION": "eu-south-1",
        "REPOSITORY_URI": "123456789012.dkr.ecr.eu-south-1.amazonaws.com/healthtech-dev",
        "CONTAINER_NAME": "app",
        "CODEBUILD_RESOLVED_SOURCE_VERSION": "3f2c1a9e8b7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
    }
    subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, check=True, capture_output=True)
    image = f"{env['REPOSITORY_URI']}:3f2c1a9e8b7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
    assert json.loads((tmp_path / "imagedefinitions.json").read_text()) == [{"name": "app", "imageUri": image}]
    calls = (tmp_path / "calls").read_text().splitlines()
    lookup = "aws ecr describe-images --repository-name healthtech-dev --image-ids imageTag=" + image.split(":")[-1]
    assert calls[0] == lookup
    assert sorted(calls[1:3]) == [  # the two ends of one pipe: either may log first
        "aws ecr get-login-password --region eu-south-1",
        "docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-south-1.amazonaws.com",
    ]
    assert calls[3:] == [f"docker build --pull --tag {image} .", f"docker push {image}"]
    # A re-run of the same revision: the tag is there (and immutable), so no build or push, same image.
    (tmp_path / "calls").unlink()
    (tmp_path / "imagedefinitions.json").unlink()
    subprocess.run(["bash", "-c", script], cwd=tmp_path, env={**env, "IMAGE_EXISTS": "1"}, check=True)
    assert (tmp_path / "calls").read_text().splitlines() == [lookup]
    assert json.loads((tmp_path / "imagedefinitions.json").read_text()) == [{"name": "app", "imageUri": image}]
    # Any other lookup error stops the build instead of guessing.
    (tmp_path / "bin" / "aws").write_text("#!/bin/sh\necho AccessDeniedException >&2\nexit 254\n")
    denied = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert denied.returncode != 0 and "AccessDeniedException" in denied.stderr
    del env["CODEBUILD_RESOLVED_SOURCE_VERSION"]  # no revision: the build stops instead of pushing "latest"
    failed = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert failed.returncode != 0 and "no source revision" in failed.stderr


def test_the_image_tag_keeps_dockers_grammar_whatever_the_source_revision() -> None:
    """The buildspec's own IMAGE_TAG lines, run with bash on revisions a source can hand it."""
    lines = [c for c in yaml.safe_load(BUILDSPEC.read_text())["phases"]["pre_build"]["commands"] if "IMAGE_TAG=" in c]
    assert len(lines) == 2  # derived, then its first character fixed

    def tag(revision: str) -> str:
        script = "\n".join([*lines, 'printf "%s" "$IMAGE_TAG"'])
        env = {"PATH": os.environ["PATH"], "CODEBUILD_RESOLVED_SOURCE_VERSION": revision}
        return subprocess.run(["bash", "-c", script], env=env, check=True, capture_output=True, text=True).stdout

    commit = "3f2c1a9e8b7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
    cases = {
        commit: commit,  # a CodeStar commit id, as is
        "Wp0t2Y8bdLnnPx.AJSVuM_PnFnOvjOyk": "Wp0t2Y8bdLnnPx.AJSVuM_PnFnOvjOyk",  # an S3 version id, as is
        ".AJSVuM_PnFnOvjOyk": "_AJSVuM_PnFnOvjOyk",
        "-leading-hyphen": "_leading-hyphen",
        "+L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo": "_L4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY-MTRCxf3",
        "_already": "_already",
    }
    assert {revision: tag(revision) for revision in cases} == cases
    for produced in cases.values():
        assert IMAGE_TAG.fullmatch(produced), produced


def test_a_codestar_source_releases_pushes_to_the_configured_branch(tmp_path: Path) -> None:
    connection = "arn:aws:codestar-connections:eu-south-1:480596171823:connection/0c8f7f0e-6f7b-4b55-8d0e-2f1a9c3e4d57"
    config = dataclasses.replace(
        ENVIRONMENTS["staging"],
        delivery=dataclasses.replace(
            ENVIRONMENTS["staging"].delivery,
            source=SourceKind.CODESTAR,
            connection_arn=connection,
            repository="acme/app",
        ),
    )
    validate(config)
    synth = Synth(PlatformStack(cdktf.App(outdir=str(tmp_path)), config))
    (source,) = synth.by_path("delivery/pipeline")["stage"][0]["action"]
    assert source["provider"] == "CodeStarSourceConnection"
    assert source["configuration"] == {
        "ConnectionArn": connection,
        "FullRepositoryId": "acme/app",
        "BranchName": "main",
        "DetectChanges": "true",
    }
    use = [s for s in _statements(synth, "run-the-release") if s["Action"] == "codestar-connections:UseConnection"]
    assert use == [{"Effect": "Allow", "Action": "codestar-connections:UseConnection", "Resource": connection}]
    # No upload trigger: pushes to the branch start the pipeline through the connection.
    assert not synth.resources("aws_s3_bucket_notification")
    rules = [r["name"] for r in synth.resources("aws_cloudwatch_event_rule").values()]
    assert rules == ["healthtech-pipeline-failed-staging"]


def test_release_buildspec_here_documents_write_the_script_and_the_pins_byte_for_byte(tmp_path: Path) -> None:
    spec = yaml.safe_load(release_buildspec())
    writes = [spec["phases"]["install"]["commands"][1], spec["phases"]["build"]["commands"][0]]
    script = "\n".join(c.replace("/tmp/", f"{tmp_path}/") for c in writes)
    subprocess.run(["bash", "-euo", "pipefail", "-c", script], check=True)
    assert (tmp_path / "release.py").read_text() == RELEASE_SCRIPT.read_text()
    assert (tmp_path / "release-requirements.txt").read_text() == release_requirements()

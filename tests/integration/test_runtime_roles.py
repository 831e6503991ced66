"""Least privilege proven by execution: each runtime role of the deployed dev stack, with IAM enforced.

For every actor the platform creates a role for (the ECS execution role, the application's task role,
the one-off migration task's role, the CodeBuild build and release roles, the CodePipeline role), the
calls that actor makes in AWS are made with the role's own credentials on the local endpoint, each
allowed, and calls just outside its scope are refused with 403. moto evaluates the roles' identity
policies (``/moto-api/reset-auth``; resources per tooling/moto_patches_iam.py), not the trust policies
(the credentials are issued before IAM is enforced; trust is asserted on the JSON in tests/components
and tests/policy), not conditions it cannot read (``iam:PassedToService``, ``ecs:CreateAction``), not
Application Auto Scaling's resource-level ``RegisterScalableTarget`` (moto authorizes it on ``*``), and
not KMS (moto's S3 and Secrets Manager encrypt without asking KMS; key policies and grants are asserted
on the JSON).

What no API call can show here: the task role's EFS ``ClientMount``/``ClientWrite`` (made by the EFS
mount helper over NFS) and ``rds-db:connect`` (checked by RDS at login); both are asserted on the JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from config import ENVIRONMENTS
from config.account import LOCAL_ENDPOINT_ACCOUNT_ID
from config.naming import Kind, Namer, pipeline_artifact_prefix
from tests.github_tokens import client, enforce_iam
from tests.integration.conftest import Deployment

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]
NAMES = Namer(DEV.name)
IMAGE_TAG = "rev1"
MANIFEST = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}'


@dataclass(frozen=True)
class Call:
    """One API call an actor makes: ``service``'s ``method`` with ``kwargs``."""

    service: str
    method: str
    kwargs: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.service}:{self.method}({', '.join(f'{k}={v!r}' for k, v in self.kwargs.items())})"


def _refused(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ClientError as error:
        return error.response["ResponseMetadata"]["HTTPStatusCode"] == 403 and "AccessDenied" in str(error)
    return False


@pytest.fixture(scope="module")
def roles(deployment: Deployment) -> Iterator[dict[Kind, dict[str, str]]]:
    """Each runtime role's credentials, issued before IAM is enforced; then IAM enforced for the module."""
    iam, sts = deployment.client("iam"), deployment.client("sts")
    kinds = (
        Kind.EXECUTION_ROLE,
        Kind.TASK_ROLE,
        Kind.MIGRATE_ROLE,
        Kind.BUILD_ROLE,
        Kind.PIPELINE_ROLE,
        Kind.RELEASE_ROLE,
    )
    credentials = {}
    for kind in kinds:
        arn = iam.get_role(RoleName=NAMES.name(kind))["Role"]["Arn"]
        issued = sts.assume_role(RoleArn=arn, RoleSessionName="runtime-roles")["Credentials"]
        credentials[kind] = {k: issued[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
    # What the calls read: an image in the repository (the source archive is the seeded one).
    deployment.client("ecr").put_image(repositoryName=NAMES.name(Kind.ECR), imageManifest=MANIFEST, imageTag=IMAGE_TAG)
    s3 = deployment.client("s3")
    before = _versions(s3)  # the seeded source archive is Terraform's: it stays
    _master_secret(deployment)
    enforce_iam(deployment.server.url, on=True)
    try:
        yield credentials
    finally:
        enforce_iam(deployment.server.url, on=False)
        # Leave the deployment as Terraform left it: the re-plan and the destroy run after this module.
        deployment.client("ecr").batch_delete_image(
            repositoryName=NAMES.name(Kind.ECR), imageIds=[{"imageTag": IMAGE_TAG}]
        )
        for key, version in _versions(s3) - before:
            s3.delete_object(Bucket=_artifacts(), Key=key, VersionId=version)


def _versions(s3: Any) -> set[tuple[str, str]]:
    """(key, version id) of every object version and delete marker in the artifact bucket."""
    listed = s3.list_object_versions(Bucket=_artifacts())
    entries = [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]
    return {(e["Key"], e["VersionId"]) for e in entries}


def _artifacts() -> str:
    return NAMES.name(Kind.ARTIFACTS, account=LOCAL_ENDPOINT_ACCOUNT_ID)


def _stream(group: Kind, stream: str) -> list[Call]:
    group_name = NAMES.name(group)
    event = {"timestamp": 1_700_000_000_000, "message": "started"}
    return [
        Call("logs", "create_log_stream", {"logGroupName": group_name, "logStreamName": stream}),
        Call("logs", "put_log_events", {"logGroupName": group_name, "logStreamName": stream, "logEvents": [event]}),
    ]


def _check(deployment: Deployment, credentials: dict[str, str], allowed: list[Call], refused: list[Call]) -> None:
    clients: dict[str, Any] = {}

    def run(call: Call) -> Any:
        if call.service not in clients:
            clients[call.service] = client(deployment.server.url, call.service, credentials)
        return getattr(clients[call.service], call.method)(**call.kwargs)

    for call in allowed:
        run(call)  # raises on a refusal (403) or any other failure
    not_refused = [str(call) for call in refused if not _refused(lambda c=call: run(c))]  # type: ignore[misc]
    assert not_refused == []


def test_the_execution_role_pulls_the_image_and_writes_the_application_logs_only(
    deployment: Deployment, roles: dict[Kind, dict[str, str]]
) -> None:
    repository, image = NAMES.name(Kind.ECR), [{"imageTag": IMAGE_TAG}]
    allowed = [
        Call("ecr", "get_authorization_token", {}),
        Call("ecr", "batch_check_layer_availability", {"repositoryName": repository, "layerDigests": ["sha256:00"]}),
        Call("ecr", "batch_get_image", {"repositoryName": repository, "imageIds": image}),
        *_stream(Kind.APP_LOG_GROUP, "app/app/0f1e2d3c"),
    ]
    refused = [
        Call("ecr", "put_image", {"repositoryName": repository, "imageManifest": MANIFEST, "imageTag": "pushed"}),
        *_stream(Kind.BUILD_LOG_GROUP, "not-mine")[:1],
        Call("s3", "get_object", {"Bucket": _artifacts(), "Key": DEV.delivery.source_object_key}),
        Call("secretsmanager", "get_secret_value", {"SecretId": _master_secret(deployment)}),  # no `secrets`
    ]
    _check(deployment, roles[Kind.EXECUTION_ROLE], allowed, refused)


def test_the_task_role_reaches_no_aws_api_beyond_its_grants(
    deployment: Deployment, roles: dict[Kind, dict[str, str]]
) -> None:
    repository = NAMES.name(Kind.ECR)
    refused = [
        Call("ecr", "batch_get_image", {"repositoryName": repository, "imageIds": [{"imageTag": IMAGE_TAG}]}),
        Call("s3", "get_object", {"Bucket": _artifacts(), "Key": DEV.delivery.source_object_key}),
        *_stream(Kind.APP_LOG_GROUP, "forged")[:1],
        Call("ecs", "update_service", {"cluster": NAMES.name(Kind.CLUSTER), "service": NAMES.name(Kind.SERVICE)}),
        Call("secretsmanager", "get_secret_value", {"SecretId": _master_secret(deployment)}),  # IAM auth instead
    ]
    _check(deployment, roles[Kind.TASK_ROLE], [], refused)


def test_the_migration_role_alone_reads_the_master_secret(
    deployment: Deployment, roles: dict[Kind, dict[str, str]]
) -> None:
    secret = _master_secret(deployment)
    allowed = [
        Call("secretsmanager", "get_secret_value", {"SecretId": secret}),
        Call("secretsmanager", "describe_secret", {"SecretId": secret}),
    ]
    refused = [
        Call("secretsmanager", "put_secret_value", {"SecretId": secret, "SecretString": "{}"}),
        Call("s3", "get_object", {"Bucket": _artifacts(), "Key": DEV.delivery.source_object_key}),
        Call("ecs", "update_service", {"cluster": NAMES.name(Kind.CLUSTER), "service": NAMES.name(Kind.SERVICE)}),
    ]
    _check(deployment, roles[Kind.MIGRATE_ROLE], allowed, refused)


_MASTER_SECRETS: dict[str, str] = {}


def _master_secret(deployment: Deployment) -> str:
    """The RDS-managed master secret's ARN, read once as the endpoint's admin (before IAM is enforced)."""
    if deployment.server.url not in _MASTER_SECRETS:
        (instance,) = deployment.client("rds").describe_db_instances()["DBInstances"]
        _MASTER_SECRETS[deployment.server.url] = instance["MasterUserSecret"]["SecretArn"]
    return _MASTER_SECRETS[deployment.server.url]


def test_the_build_role_pushes_the_image_and_writes_pipeline_artifacts_but_not_its_source(
    deployment: Deployment, roles: dict[Kind, dict[str, str]]
) -> None:
    repository = NAMES.name(Kind.ECR)
    prefix = pipeline_artifact_prefix(NAMES.name(Kind.PIPELINE))
    allowed = [
        Call("ecr", "get_authorization_token", {}),
        Call("ecr", "describe_images", {"repositoryName": repository, "imageIds": [{"imageTag": IMAGE_TAG}]}),
        Call("ecr", "initiate_layer_upload", {"repositoryName": repository}),
        Call("ecr", "put_image", {"repositoryName": repository, "imageManifest": MANIFEST, "imageTag": "rev2"}),
        Call("s3", "put_object", {"Bucket": _artifacts(), "Key": f"{prefix}/image/out.zip", "Body": b"{}"}),
        *_stream(Kind.BUILD_LOG_GROUP, "build/0f1e"),
    ]
    refused = [
        Call("s3", "put_object", {"Bucket": _artifacts(), "Key": DEV.delivery.source_object_key, "Body": b"x"}),
        *_stream(Kind.APP_LOG_GROUP, "not-mine")[:1],
        Call("ecs", "update_service", {"cluster": NAMES.name(Kind.CLUSTER), "service": NAMES.name(Kind.SERVICE)}),
    ]
    try:
        _check(deployment, roles[Kind.BUILD_ROLE], allowed, refused)
    finally:
        enforce_iam(deployment.server.url, on=False)
        deployment.client("ecr").batch_delete_image(repositoryName=repository, imageIds=[{"imageTag": "rev2"}])
        enforce_iam(deployment.server.url, on=True)


def test_the_pipeline_role_reads_its_source_and_runs_its_build_only(
    deployment: Deployment, roles: dict[Kind, dict[str, str]]
) -> None:
    prefix = pipeline_artifact_prefix(NAMES.name(Kind.PIPELINE))
    allowed = [
        Call("s3", "get_object", {"Bucket": _artifacts(), "Key": DEV.delivery.source_object_key}),
        Call("s3", "put_object", {"Bucket": _artifacts(), "Key": f"{prefix}/source/in.zip", "Body": b"zip"}),
        Call("codebuild", "batch_get_builds", {"ids": [f"{NAMES.name(Kind.BUILD)}:0f1e2d3c"]}),
        Call("codebuild", "batch_get_builds", {"ids": [f"{NAMES.name(Kind.RELEASE)}:0f1e2d3c"]}),
    ]
    refused = [
        # The release project deploys; the pipeline only starts it.
        Call("ecs", "update_service", {"cluster": NAMES.name(Kind.CLUSTER), "service": NAMES.name(Kind.SERVICE)}),
        Call("codebuild", "batch_get_builds", {"ids": ["healthtech-build-staging:0f1e2d3c"]}),
        Call("ecr", "put_image", {"repositoryName": NAMES.name(Kind.ECR), "imageManifest": MANIFEST, "imageTag": "x"}),
        Call("s3", "put_object", {"Bucket": _artifacts(), "Key": DEV.delivery.source_object_key, "Body": b"x"}),
    ]
    _check(deployment, roles[Kind.PIPELINE_ROLE], allowed, refused)


def test_the_release_role_reads_the_service_and_template_and_nothing_else(
    deployment: Deployment, roles: dict[Kind, dict[str, str]]
) -> None:
    cluster, service = NAMES.name(Kind.CLUSTER), NAMES.name(Kind.SERVICE)
    prefix = pipeline_artifact_prefix(NAMES.name(Kind.PIPELINE))
    allowed = [
        Call("ecs", "describe_services", {"cluster": cluster, "services": [service]}),
        Call("ecs", "describe_task_definition", {"taskDefinition": NAMES.name(Kind.TASK)}),
        Call("ecs", "describe_tasks", {"cluster": cluster, "tasks": ["0f1e2d3c4b5a69788796a5b4c3d2e1f0"]}),
        Call("application-autoscaling", "describe_scalable_targets", {"ServiceNamespace": "ecs"}),
        *_stream(Kind.RELEASE_LOG_GROUP, "release/0f1e"),
    ]
    refused = [
        Call("ecs", "update_service", {"cluster": cluster, "service": "healthtech-service-staging"}),
        # It starts the migration's task definition only, never the application's by hand.
        Call("ecs", "run_task", {"cluster": cluster, "taskDefinition": NAMES.name(Kind.TASK), "count": 1}),
        Call("s3", "put_object", {"Bucket": _artifacts(), "Key": f"{prefix}/image/x.zip", "Body": b"x"}),
        Call("ecr", "put_image", {"repositoryName": NAMES.name(Kind.ECR), "imageManifest": MANIFEST, "imageTag": "y"}),
        *_stream(Kind.BUILD_LOG_GROUP, "not-mine")[:1],
    ]
    with_artifact = Call("s3", "get_object", {"Bucket": _artifacts(), "Key": f"{prefix}/image/out.zip"})
    enforce_iam(deployment.server.url, on=False)
    deployment.client("s3").put_object(Bucket=_artifacts(), Key=f"{prefix}/image/out.zip", Body=b"{}")
    enforce_iam(deployment.server.url, on=True)
    _check(deployment, roles[Kind.RELEASE_ROLE], [*allowed, with_artifact], refused)

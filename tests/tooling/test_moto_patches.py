"""The moto patches, through boto3 against a threaded moto server on loopback (as Terraform talks to it).

Each gap has a scenario run twice: with the patch, where it must behave like AWS, and with moto's own
code put back (``test_upstream_still_needs_*``), where it must still show the gap. When one of those
fails, upstream moto has closed the gap: delete the patch and both of its tests.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.codebuild import responses as codebuild_responses
from moto.codebuild.responses import CodeBuildResponse
from moto.codepipeline.models import CodePipeline
from moto.efs.responses import EFSResponse
from moto.rds.responses import RDSResponse
from moto.s3.responses import S3Response
from moto.server import ThreadedMotoServer

from tooling import moto_patches

REGION = "eu-south-1"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    moto_patches.apply_all()
    moto_patches.apply_all()  # patches must be idempotent: the scenarios below run after two applies
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def client(endpoint: str) -> Iterator[Any]:
    """A factory of boto3 clients for the server; moto's state is reset after each test."""

    def make(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            # An unimplemented action answers 500: fail at once instead of retrying.
            config=Config(retries={"total_max_attempts": 1}),
        )

    yield make
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()


def unpatch(monkeypatch: pytest.MonkeyPatch, owner: Any) -> None:
    """Put moto's own attributes of ``owner`` back for one test (the server thread sees them too)."""
    replaced = [(name, original) for (cls, name), original in moto_patches.ORIGINALS.items() if cls is owner]
    assert replaced, f"no patch replaces anything on {owner!r}"
    for name, original in replaced:
        if original is moto_patches.ABSENT:
            monkeypatch.delattr(owner, name)
        else:
            monkeypatch.setattr(owner, name, original)


def status(error: ClientError) -> int:
    code: int = error.response["ResponseMetadata"]["HTTPStatusCode"]
    return code


def test_every_patch_is_registered_once() -> None:
    names = [patch.__name__ for patch in moto_patches.PATCHES]
    assert sorted(names) == sorted(set(names))
    assert len(names) == 16


# --- RDS DescribeDBParameters: Source ---------------------------------------------------------------


def force_ssl_group(rds: Any) -> None:
    rds.create_db_parameter_group(
        DBParameterGroupName="pg", DBParameterGroupFamily="postgres16", Description="force ssl"
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName="pg",
        Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}],
    )


def test_rds_user_parameters_are_described_with_source_user(client: Any) -> None:
    rds = client("rds")
    force_ssl_group(rds)
    expected = [{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate", "Source": "user"}]
    assert rds.describe_db_parameters(DBParameterGroupName="pg")["Parameters"] == expected
    # What aws_db_parameter_group asks when it has no parameters in state (e.g. on import).
    assert rds.describe_db_parameters(DBParameterGroupName="pg", Source="user")["Parameters"] == expected
    assert rds.describe_db_parameters(DBParameterGroupName="pg", Source="engine-default")["Parameters"] == []
    with pytest.raises(ClientError, match="DBParameterGroupNotFound"):
        rds.describe_db_parameters(DBParameterGroupName="nope")


def test_upstream_still_needs_rds_user_source(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch(monkeypatch, RDSResponse)
    rds = client("rds")
    force_ssl_group(rds)
    (parameter,) = rds.describe_db_parameters(DBParameterGroupName="pg")["Parameters"]
    assert parameter["ParameterName"] == "rds.force_ssl"
    assert "Source" not in parameter


# --- EFS DeleteFileSystemPolicy ----------------------------------------------------------------------

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "elasticfilesystem:ClientMount", "Resource": "*"}
        ],
    }
)


def file_system_with_policy(efs: Any) -> str:
    file_system_id: str = efs.create_file_system(CreationToken="data")["FileSystemId"]
    efs.put_file_system_policy(FileSystemId=file_system_id, Policy=POLICY)
    # Put and Describe already work in moto; only Delete is missing.
    assert json.loads(efs.describe_file_system_policy(FileSystemId=file_system_id)["Policy"]) == json.loads(POLICY)
    return file_system_id


def test_efs_delete_file_system_policy(client: Any) -> None:
    efs = client("efs")
    file_system_id = file_system_with_policy(efs)
    response = efs.delete_file_system_policy(FileSystemId=file_system_id)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError, match="PolicyNotFound"):
        efs.describe_file_system_policy(FileSystemId=file_system_id)
    with pytest.raises(ClientError, match="FileSystemNotFound"):
        efs.delete_file_system_policy(FileSystemId="fs-00000000")


def test_upstream_still_needs_efs_delete_file_system_policy(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch(monkeypatch, EFSResponse)
    efs = client("efs")
    file_system_id = file_system_with_policy(efs)
    with pytest.raises(ClientError) as error:
        efs.delete_file_system_policy(FileSystemId=file_system_id)
    assert status(error.value) == 500  # moto: "The delete_file_system_policy action has not been implemented"


# --- EFS PutBackupPolicy -----------------------------------------------------------------------------


def test_efs_put_backup_policy(client: Any) -> None:
    efs = client("efs")
    file_system_id = efs.create_file_system(CreationToken="data")["FileSystemId"]
    enabled = efs.put_backup_policy(FileSystemId=file_system_id, BackupPolicy={"Status": "ENABLED"})
    assert enabled["BackupPolicy"] == {"Status": "ENABLED"}
    assert efs.describe_backup_policy(FileSystemId=file_system_id)["BackupPolicy"] == {"Status": "ENABLED"}
    # How the provider removes aws_efs_backup_policy: it puts DISABLED and waits to read DISABLED back.
    efs.put_backup_policy(FileSystemId=file_system_id, BackupPolicy={"Status": "DISABLED"})
    assert efs.describe_backup_policy(FileSystemId=file_system_id)["BackupPolicy"] == {"Status": "DISABLED"}
    # A file system nobody put a policy on keeps moto's own answer.
    untouched = efs.create_file_system(CreationToken="other")["FileSystemId"]
    with pytest.raises(ClientError, match="PolicyNotFound"):
        efs.describe_backup_policy(FileSystemId=untouched)
    with pytest.raises(ClientError, match="FileSystemNotFound"):
        efs.put_backup_policy(FileSystemId="fs-00000000", BackupPolicy={"Status": "ENABLED"})


def test_upstream_still_needs_efs_put_backup_policy(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch(monkeypatch, EFSResponse)
    efs = client("efs")
    file_system_id = efs.create_file_system(CreationToken="data")["FileSystemId"]
    with pytest.raises(ClientError) as error:
        efs.put_backup_policy(FileSystemId=file_system_id, BackupPolicy={"Status": "ENABLED"})
    assert status(error.value) == 500  # moto: "The put_backup_policy action has not been implemented"


# --- Application Auto Scaling tags -------------------------------------------------------------------


def scalable_target(autoscaling: Any) -> str:
    arn: str = autoscaling.register_scalable_target(
        ServiceNamespace="dynamodb",
        ResourceId="table/sessions",
        ScalableDimension="dynamodb:table:ReadCapacityUnits",
        MinCapacity=1,
        MaxCapacity=4,
        Tags={"Project": "healthtech"},
    )["ScalableTargetARN"]
    return arn


def test_application_autoscaling_tags(client: Any) -> None:
    autoscaling = client("application-autoscaling")
    arn = scalable_target(autoscaling)
    assert autoscaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "healthtech"}
    autoscaling.tag_resource(ResourceARN=arn, Tags={"Environment": "dev", "Owner": "platform"})
    autoscaling.untag_resource(ResourceARN=arn, TagKeys=["Owner", "Missing"])
    assert autoscaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {
        "Project": "healthtech",
        "Environment": "dev",
    }
    # Re-registering (how the provider updates a target) keeps the ARN and merges the tags.
    assert scalable_target(autoscaling) == arn
    assert autoscaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {
        "Project": "healthtech",
        "Environment": "dev",
    }
    unknown = arn.rsplit("/", 1)[0] + "/unknown"
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        autoscaling.list_tags_for_resource(ResourceARN=unknown)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        autoscaling.tag_resource(ResourceARN=unknown, Tags={"a": "b"})
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        autoscaling.untag_resource(ResourceARN=unknown, TagKeys=["a"])


def test_upstream_still_needs_application_autoscaling_tags(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch(monkeypatch, ApplicationAutoScalingResponse)
    autoscaling = client("application-autoscaling")
    arn = scalable_target(autoscaling)
    with pytest.raises(ClientError) as error:
        autoscaling.list_tags_for_resource(ResourceARN=arn)
    assert status(error.value) == 500  # moto: "The list_tags_for_resource action has not been implemented"


# --- CodePipeline metadata timestamps ----------------------------------------------------------------


def pipeline_metadata_as_sent(client: Any) -> dict[str, Any]:
    """GetPipeline's ``metadata`` as moto put it on the wire (boto3 would parse strings and numbers alike)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = client("iam").create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    codepipeline = client("codepipeline")
    source = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
    build = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
    codepipeline.create_pipeline(
        pipeline={
            "name": "app",
            "roleArn": role["Arn"],
            "artifactStore": {"type": "S3", "location": "artifacts"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {
                            "name": "Source",
                            "actionTypeId": source,
                            "configuration": {"S3Bucket": "artifacts", "S3ObjectKey": "app.zip"},
                            "outputArtifacts": [{"name": "src"}],
                        }
                    ],
                },
                {
                    "name": "Build",
                    "actions": [
                        {
                            "name": "Build",
                            "actionTypeId": build,
                            "configuration": {"ProjectName": "app"},
                            "inputArtifacts": [{"name": "src"}],
                        }
                    ],
                },
            ],
        }
    )
    bodies: list[bytes] = []
    codepipeline.meta.events.register(
        "before-parse.codepipeline.GetPipeline", lambda response_dict, **_: bodies.append(response_dict["body"])
    )
    codepipeline.get_pipeline(name="app")
    metadata: dict[str, Any] = json.loads(bodies[0])["metadata"]
    return metadata


def test_codepipeline_metadata_timestamps_are_epoch_numbers(client: Any) -> None:
    metadata = pipeline_metadata_as_sent(client)
    for key in ("created", "updated"):
        assert isinstance(metadata[key], int | float)
        assert abs(metadata[key] - time.time()) < 300
    assert metadata["pipelineArn"].endswith(":app")


def test_upstream_still_needs_codepipeline_epoch_timestamps(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch(monkeypatch, CodePipeline)
    metadata = pipeline_metadata_as_sent(client)
    assert isinstance(metadata["created"], str)
    assert isinstance(metadata["updated"], str)


# --- CodeBuild projects for CodePipeline ---------------------------------------------------------------

KEY_ARN = "arn:aws:kms:eu-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def pipeline_project(codebuild: Any) -> None:
    codebuild.create_project(
        name="build",
        source={"type": "CODEPIPELINE", "buildspec": "version: 0.2"},
        artifacts={"type": "CODEPIPELINE"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/amazonlinux2-x86_64-standard:5.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "privilegedMode": True,
        },
        serviceRole="arn:aws:iam::123456789012:role/build",
        encryptionKey=KEY_ARN,
    )


def test_codebuild_takes_pipeline_projects_and_keeps_their_key(client: Any) -> None:
    codebuild = client("codebuild")
    pipeline_project(codebuild)
    (project,) = codebuild.batch_get_projects(names=["build"])["projects"]
    assert project["encryptionKey"] == KEY_ARN
    assert project["source"]["type"] == "CODEPIPELINE" and "location" not in project["source"]
    assert project["environment"]["privilegedMode"] is True
    with pytest.raises(ClientError, match="Project source location is required"):  # other types still need one
        codebuild.create_project(
            name="s3",
            source={"type": "S3"},
            artifacts={"type": "NO_ARTIFACTS"},
            environment={"type": "LINUX_CONTAINER", "image": "i", "computeType": "BUILD_GENERAL1_SMALL"},
            serviceRole="arn:aws:iam::123456789012:role/build",
        )


def test_upstream_still_needs_codebuild_pipeline_projects(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch(monkeypatch, codebuild_responses)
    codebuild = client("codebuild")
    with pytest.raises(ClientError, match="Project source location is required"):
        pipeline_project(codebuild)
    monkeypatch.undo()
    unpatch(monkeypatch, CodeBuildResponse)
    pipeline_project(codebuild)
    (project,) = codebuild.batch_get_projects(names=["build"])["projects"]
    assert project["encryptionKey"] != KEY_ARN


# --- S3 notification: EventBridge ---------------------------------------------------------------------


def eventbridge_bucket(client: Any) -> Any:
    s3 = client("s3")
    s3.create_bucket(Bucket="artifacts-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_notification_configuration(
        Bucket="artifacts-bucket", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    return s3


def test_s3_notification_reports_eventbridge(client: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="quiet-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket="quiet-bucket")
    s3 = eventbridge_bucket(client)
    assert s3.get_bucket_notification_configuration(Bucket="artifacts-bucket")["EventBridgeConfiguration"] == {}


def test_upstream_still_needs_s3_notification_eventbridge(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    unpatch(monkeypatch, S3Response)
    s3 = eventbridge_bucket(client)
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket="artifacts-bucket")


# --- Conditional Deny in bucket policies -------------------------------------------------------------

DENY_ALL: dict[str, Any] = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::tls-only", "arn:aws:s3:::tls-only/*"],
}
TLS_ONLY = {**DENY_ALL, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def tls_only_bucket(s3: Any) -> None:
    s3.create_bucket(Bucket="tls-only", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="tls-only", Key="state", Body=b"{}")
    s3.put_bucket_policy(Bucket="tls-only", Policy=json.dumps({"Version": "2012-10-17", "Statement": [TLS_ONLY]}))


def test_conditional_deny_moto_cannot_evaluate_does_not_apply(client: Any) -> None:
    s3 = client("s3")
    tls_only_bucket(s3)
    assert s3.get_object(Bucket="tls-only", Key="state")["Body"].read() == b"{}"
    s3.put_bucket_policy(Bucket="tls-only", Policy=json.dumps({"Version": "2012-10-17", "Statement": [DENY_ALL]}))
    with pytest.raises(ClientError) as error:  # an unconditional Deny still denies
        s3.get_object(Bucket="tls-only", Key="state")
    assert status(error.value) == 403


def test_upstream_still_needs_conditional_deny(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam.access_control import IAMPolicyStatement

    unpatch(monkeypatch, IAMPolicyStatement)
    s3 = client("s3")
    tls_only_bucket(s3)
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket="tls-only", Key="state")
    assert status(error.value) == 403  # moto skips the Bool condition and applies the Deny to every request


# --- S3 delete markers -------------------------------------------------------------------------------


def versions_with_a_delete_marker(s3: Any) -> list[dict[str, str]]:
    s3.create_bucket(Bucket="versioned", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="versioned", Key="state.tflock", Body=b"{}")
    s3.delete_object(Bucket="versioned", Key="state.tflock")  # what Terraform's lock release leaves
    # Destroying aws_s3_bucket_versioning suspends versioning before force_destroy empties the bucket.
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Suspended"})
    listing = s3.list_object_versions(Bucket="versioned")
    return [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in listing["Versions"] + listing["DeleteMarkers"]]


def test_s3_versions_and_delete_markers_can_be_deleted(client: Any) -> None:
    s3 = client("s3")
    objects = versions_with_a_delete_marker(s3)
    response = s3.delete_objects(Bucket="versioned", Delete={"Objects": objects})
    assert len(response["Deleted"]) == 2 and "Errors" not in response
    assert "Versions" not in s3.list_object_versions(Bucket="versioned")
    s3.delete_bucket(Bucket="versioned")


def test_upstream_still_needs_s3_delete_marker_dispose(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.s3.models import FakeDeleteMarker

    unpatch(monkeypatch, FakeDeleteMarker)
    s3 = client("s3")
    objects = versions_with_a_delete_marker(s3)
    with pytest.raises(ClientError) as error:
        s3.delete_objects(Bucket="versioned", Delete={"Objects": objects})
    assert status(error.value) == 500  # moto: 'FakeDeleteMarker' object has no attribute 'dispose'


# --- ECS RunTask with task-level memory only ----------------------------------------------------------


def _fargate_task(ecs: Any) -> str:
    ecs.create_cluster(clusterName="c")
    arn: str = ecs.register_task_definition(
        family="migrate",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",  # the task's; its container names none, as ECS allows on Fargate
        containerDefinitions=[{"name": "migrate", "image": "repo:rev1", "command": ["python", "-m", "app.migrate"]}],
    )["taskDefinition"]["taskDefinitionArn"]
    return arn


def _run(ecs: Any, ec2: Any, definition: str) -> Any:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # as ours: moto needs it for tasks
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group], "assignPublicIp": "DISABLED"}}
    return ecs.run_task(
        cluster="c", taskDefinition=definition, launchType="FARGATE", networkConfiguration=network, count=1
    )


def test_ecs_runs_a_fargate_task_whose_container_leaves_memory_to_the_task(client: Any) -> None:
    ecs = client("ecs")
    (task,) = _run(ecs, client("ec2"), _fargate_task(ecs))["tasks"]
    assert task["taskDefinitionArn"].endswith(":task-definition/migrate:1")


def test_upstream_still_needs_ecs_run_task_takes_task_level_memory(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.ecs.models import EC2ContainerServiceBackend

    unpatch(monkeypatch, EC2ContainerServiceBackend)
    ecs = client("ecs")
    with pytest.raises(ClientError) as error:
        _run(ecs, client("ec2"), _fargate_task(ecs))
    assert status(error.value) == 500  # moto: int + None adding up the containers' memory


# --- ECS: a stopped task releases its network interface ---------------------------------------------


def _task_interfaces(ec2: Any) -> list[str]:
    found = ec2.describe_network_interfaces(Filters=[{"Name": "description", "Values": ["moto ECS"]}])
    return [i["NetworkInterfaceId"] for i in found["NetworkInterfaces"]]


def test_a_stopped_task_releases_its_network_interface(client: Any) -> None:
    ecs, ec2 = client("ecs"), client("ec2")
    (task,) = _run(ecs, ec2, _fargate_task(ecs))["tasks"]
    (attachment,) = task["attachments"]
    interface = {d["name"]: d["value"] for d in attachment["details"]}["networkInterfaceId"]
    assert _task_interfaces(ec2) == [interface]  # a running task holds it
    ecs.stop_task(cluster="c", task=task["taskArn"], reason="done")
    assert _task_interfaces(ec2) == []
    (stopped,) = ecs.describe_tasks(cluster="c", tasks=[task["taskArn"]])["tasks"]
    assert stopped["lastStatus"] == "STOPPED" and stopped["attachments"][0]["status"] == "DELETED"


def test_upstream_still_needs_a_stopped_task_to_release_its_network_interface(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.ecs.models import Task

    unpatch(monkeypatch, Task)
    ecs, ec2 = client("ecs"), client("ec2")
    (task,) = _run(ecs, ec2, _fargate_task(ecs))["tasks"]
    ecs.stop_task(cluster="c", task=task["taskArn"], reason="done")
    assert len(_task_interfaces(ec2)) == 1  # moto keeps the stopped task's interface


# --- CodeBuild: DeleteProject by ARN ----------------------------------------------------------------


def _deleted_by_arn(codebuild: Any) -> list[str]:
    pipeline_project(codebuild)
    (project,) = codebuild.batch_get_projects(names=["build"])["projects"]
    codebuild.delete_project(name=project["arn"])  # what the provider sends: its resource id
    projects: list[str] = codebuild.list_projects()["projects"]
    return projects


def test_delete_project_by_arn_deletes_it(client: Any) -> None:
    assert _deleted_by_arn(client("codebuild")) == []


def test_upstream_still_needs_delete_project_to_take_an_arn(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.codebuild.models import CodeBuildBackend

    unpatch(monkeypatch, CodeBuildBackend)
    assert _deleted_by_arn(client("codebuild")) == ["build"]  # moto answers 200 and keeps it

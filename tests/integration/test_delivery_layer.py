"""The release pipeline, alarms and dashboard of the deployed dev stack, checked with boto3."""

from __future__ import annotations

import json

import pytest

from config import ENVIRONMENTS
from config.naming import ALARMS
from tests.integration.conftest import Deployment

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]


def test_pipeline_runs_source_build_deploy_with_an_encrypted_artifact_store(deployment: Deployment) -> None:
    pipeline_client, kms, out = deployment.client("codepipeline"), deployment.client("kms"), deployment.outputs
    pipeline = pipeline_client.get_pipeline(name=out["PipelineName"])["pipeline"]
    assert [s["name"] for s in pipeline["stages"]] == ["Source", "Build", "Deploy"]
    store = pipeline["artifactStore"]
    assert store["location"] == out["ArtifactBucketName"]
    assert store["encryptionKey"] == {
        "id": kms.describe_key(KeyId=out["S3KMSKeyId"])["KeyMetadata"]["Arn"],
        "type": "KMS",
    }
    source, build, deploy = (s["actions"][0] for s in pipeline["stages"])
    assert source["actionTypeId"]["provider"] == "S3"
    assert source["configuration"]["S3ObjectKey"] == out["SourceObjectKey"]
    assert source["configuration"]["PollForSourceChanges"] == "false"
    assert build["configuration"] == {"ProjectName": out["BuildProjectName"]}
    # The release project (delivery/release.py), not the ECS deploy action.
    assert deploy["actionTypeId"]["provider"] == "CodeBuild"
    assert deploy["configuration"] == {"ProjectName": "healthtech-release-dev"}
    assert deploy["inputArtifacts"] == [{"name": "image"}]


def test_build_project_is_encrypted_logged_and_carries_no_credentials(deployment: Deployment) -> None:
    codebuild, kms, out = deployment.client("codebuild"), deployment.client("kms"), deployment.outputs
    (project,) = codebuild.batch_get_projects(names=[out["BuildProjectName"]])["projects"]
    assert project["encryptionKey"] == kms.describe_key(KeyId=out["S3KMSKeyId"])["KeyMetadata"]["Arn"]
    env = project["environment"]
    assert env["privilegedMode"] is True and env["image"] == DEV.delivery.build_image
    assert {v["name"]: v["value"] for v in env["environmentVariables"]} == {
        "REPOSITORY_URI": out["ECRRepositoryUrl"],
        "CONTAINER_NAME": "app",
    }
    assert project["logsConfig"]["cloudWatchLogs"]["groupName"] == "/healthtech/dev/build"
    assert project["source"]["type"] == "CODEPIPELINE" and "imagedefinitions.json" in project["source"]["buildspec"]


def test_release_project_reads_the_template_arn_and_runs_unprivileged(deployment: Deployment) -> None:
    codebuild, ecs, out = deployment.client("codebuild"), deployment.client("ecs"), deployment.outputs
    (project,) = codebuild.batch_get_projects(names=["healthtech-release-dev"])["projects"]
    env = project["environment"]
    assert env["privilegedMode"] is False
    variables = {v["name"]: v["value"] for v in env["environmentVariables"]}
    template = ecs.describe_task_definition(taskDefinition="healthtech-task-dev")["taskDefinition"]
    assert variables["TEMPLATE_TASK_DEFINITION"] == template["taskDefinitionArn"]
    assert (variables["CLUSTER_NAME"], variables["SERVICE_NAME"]) == (out["ECSClusterName"], out["ECSServiceName"])
    assert project["serviceRole"].endswith(":role/healthtech-release-role-dev")
    assert project["logsConfig"]["cloudWatchLogs"]["groupName"] == "/healthtech/dev/release"


def test_artifact_bucket_is_kms_encrypted_versioned_tls_only_and_notifies_eventbridge(deployment: Deployment) -> None:
    s3, kms, out = deployment.client("s3"), deployment.client("kms"), deployment.outputs
    bucket = out["ArtifactBucketName"]
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    default = rule["ApplyServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms"
    assert default["KMSMasterKeyID"] == kms.describe_key(KeyId=out["S3KMSKeyId"])["KeyMetadata"]["Arn"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    (deny,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["EventBridgeConfiguration"] == {}


def test_an_upload_starts_the_pipeline_and_a_failure_reaches_the_topic(deployment: Deployment) -> None:
    events, out = deployment.client("events"), deployment.outputs
    uploaded = json.loads(events.describe_rule(Name="healthtech-source-uploaded-dev")["EventPattern"])
    assert uploaded["detail"]["object"]["key"] == [out["SourceObjectKey"]]
    (to_pipeline,) = events.list_targets_by_rule(Rule="healthtech-source-uploaded-dev")["Targets"]
    assert to_pipeline["Arn"] == out["PipelineArn"] and to_pipeline["RoleArn"].endswith(
        ":role/healthtech-source-trigger-role-dev"
    )
    failed = json.loads(events.describe_rule(Name="healthtech-pipeline-failed-dev")["EventPattern"])
    assert failed["detail"] == {"pipeline": [out["PipelineName"]], "state": ["FAILED"]}
    (to_topic,) = events.list_targets_by_rule(Rule="healthtech-pipeline-failed-dev")["Targets"]
    assert to_topic["Arn"] == out["AlarmTopicArn"]


def test_alarms_notify_the_encrypted_topic_on_alarm_and_recovery(deployment: Deployment) -> None:
    cloudwatch, sns, kms = (deployment.client(s) for s in ("cloudwatch", "sns", "kms"))
    out = deployment.outputs
    attributes = sns.get_topic_attributes(TopicArn=out["AlarmTopicArn"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == kms.describe_key(KeyId=out["SNSKMSKeyId"])["KeyMetadata"]["Arn"]
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms(AlarmNamePrefix="healthtech-")["MetricAlarms"]}
    assert sorted(alarms) == sorted(f"healthtech-{name}-dev" for name in ALARMS)
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [out["AlarmTopicArn"]] and alarm["OKActions"] == [out["AlarmTopicArn"]]
    assert alarms["healthtech-rds-connections-high-dev"]["Threshold"] == DEV.observability.thresholds.rds_connections
    (dashboard,) = cloudwatch.list_dashboards(DashboardNamePrefix="healthtech-")["DashboardEntries"]
    assert dashboard["DashboardName"] == out["DashboardName"]

"""The release pipeline: source -> CodeBuild (image build and push) -> CodeBuild release to ECS, no hand steps.

The original template needed the source uploaded by hand and a pre-existing ECR repository. Here the
source is a CodeStar connection to the application repository, or (the local default) an archive
uploaded to the artifact bucket whose upload starts the pipeline through EventBridge; the stack seeds
that key with the reference application (components/source_seed.py) so the pipeline's run on creation
succeeds. The build pushes to the repository the stack creates, and skips the build and push when the
revision's tag is already there (tags are immutable), so re-running a release of the same revision works.
The Deploy stage is the release project (components/release.py): Terraform owns the template revision,
the release owns the running revision.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.codepipeline import (
    Codepipeline,
    CodepipelineArtifactStore,
    CodepipelineArtifactStoreEncryptionKey,
    CodepipelineStage,
    CodepipelineStageAction,
)
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification
from constructs import Construct

from components.aws_context import AwsContext
from components.bucket import SecureBucket
from components.compliance import suppress
from components.compute import Compute
from components.container_registry import ContainerRegistry
from components.context import StackContext
from components.encryption import EncryptionKey
from components.iam import Statement, grant, policies_of, service_role
from components.logs import write_statement
from components.pipeline_project import pipeline_project
from components.release import Release
from components.source_seed import seed_source
from config.naming import Kind, Namer, pipeline_artifact_prefix
from config.settings import DeliverySettings, SourceKind

BUILDSPEC = Path(__file__).resolve().parent.parent / "delivery" / "buildspec.yml"


class Delivery(Construct):
    """Artifact bucket, the build and release projects, CodePipeline (V2) and what starts it, each role scoped."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: DeliverySettings,
        context: StackContext,
        artifacts_key: EncryptionKey,
        registry: ContainerRegistry,
        compute: Compute,
    ) -> None:
        super().__init__(scope, id)
        namer, aws = context.namer, context.aws
        self._settings = settings
        pipeline_name = namer.name(Kind.PIPELINE)
        # Only the pipeline's own artifacts expire: the S3 source archive must outlive a quiet month,
        # or a manual rerun or a rollback fails at Source.
        artifact_prefix = pipeline_artifact_prefix(pipeline_name)
        self.artifacts = SecureBucket(
            self,
            "artifacts",
            name=namer.name(Kind.ARTIFACTS, account=aws.account_id),
            key=artifacts_key,
            expire_after_days=settings.artifact_retention_days,
            expire_prefix=artifact_prefix,
            force_destroy=context.force_destroy,
        )
        self.build_log_group = context.log_group(self, "build-log-group", name=namer.name(Kind.BUILD_LOG_GROUP))
        self.build_role = service_role(
            self,
            "build-role",
            name=namer.name(Kind.BUILD_ROLE),
            service="codebuild.amazonaws.com",
            aws=aws,
            description="CodeBuild: build the image, push it to the environment's repository",
        )
        self.pipeline_role = service_role(
            self,
            "pipeline-role",
            name=namer.name(Kind.PIPELINE_ROLE),
            service="codepipeline.amazonaws.com",
            aws=aws,
            description="CodePipeline: move artifacts, run the build and the release",
        )
        bucket_access = [
            Statement(actions=["s3:GetBucketVersioning", "s3:GetBucketLocation"], resources=self.artifacts.arn),
            artifacts_key.encrypt_decrypt_statement(),
        ]
        # The build reads and writes only the pipeline's artifacts: it cannot rewrite its own next source.
        pipeline_artifacts = Statement(
            actions=["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            resources=self.artifacts.objects_arn(artifact_prefix),
        )
        source_reads = (
            [
                Statement(
                    actions=["s3:GetObject", "s3:GetObjectVersion"],
                    resources=f"{self.artifacts.arn}/{settings.source_object_key}",
                )
            ]
            if settings.source == SourceKind.S3
            else []
        )
        self.project = pipeline_project(
            self,
            "build",
            name=namer.name(Kind.BUILD),
            description="Builds the application image and writes imagedefinitions.json",
            role=self.build_role,
            key=artifacts_key,
            timeout_minutes=settings.build_timeout_minutes,
            buildspec=BUILDSPEC.read_text(),
            compute_type=settings.build_compute_type.value,  # a plain str for jsii
            image=settings.build_image,
            # Needed for `docker build` inside the build container, and for nothing else.
            privileged=True,
            variables={"REPOSITORY_URI": registry.url, "CONTAINER_NAME": compute.settings.container_name},
            log_group=self.build_log_group,
        )
        suppress(
            self.project,
            "CKV_AWS_316",
            "privileged mode is what docker build needs inside CodeBuild; the build runs only our buildspec, "
            "holds no credentials and its role can push only to this environment's repository",
        )
        registry.grant_push(self.build_role)
        grant(
            self,
            "build-policy",
            role=self.build_role,
            name="build-artifacts-and-logs",
            statements=[pipeline_artifacts, *bucket_access, write_statement(self.build_log_group)],
        )
        self.release = Release(
            self,
            "release",
            settings=settings,
            context=context,
            artifacts_key=artifacts_key,
            artifact_objects=self.artifacts.objects_arn(artifact_prefix),
            compute=compute,
        )
        # The pipeline runs once when it is created: with the S3 source, the seed must be there first.
        self.source_seed = (
            seed_source(
                self,
                "source-seed",
                bucket=self.artifacts,
                key=settings.source_object_key,
                kms_key=artifacts_key,
            )
            if settings.source == SourceKind.S3 and settings.seed_source
            else None
        )
        grant(
            self,
            "pipeline-policy",
            role=self.pipeline_role,
            name="run-the-release",
            statements=[
                pipeline_artifacts,
                *source_reads,
                *bucket_access,
                *self._source_statements(),
                Statement(
                    actions=["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
                    resources=[self.project.arn, self.release.project.arn],
                ),
            ],
        )
        first_run_roles = (self.pipeline_role, self.build_role, self.release.role)
        self.pipeline = Codepipeline(
            self,
            "pipeline",
            name=pipeline_name,
            pipeline_type="V2",
            role_arn=self.pipeline_role.arn,
            artifact_store=[
                CodepipelineArtifactStore(
                    type="S3",
                    location=self.artifacts.name,
                    encryption_key=CodepipelineArtifactStoreEncryptionKey(type="KMS", id=artifacts_key.arn),
                )
            ],
            stage=[
                CodepipelineStage(name="Source", action=[self._source_action()]),
                CodepipelineStage(
                    name="Build",
                    action=[
                        _aws_action(
                            "BuildImage",
                            "Build",
                            "CodeBuild",
                            input_artifacts=["source"],
                            output_artifacts=["image"],
                            configuration={"ProjectName": self.project.name},
                        )
                    ],
                ),
                CodepipelineStage(
                    name="Deploy",
                    action=[
                        _aws_action(
                            "Release",
                            "Build",
                            "CodeBuild",
                            input_artifacts=["image"],
                            configuration={"ProjectName": self.release.project.name},
                        )
                    ],
                ),
            ],
            # Its first run releases: the source must be there, and the scalable target whose minimum the
            # release sets (the release project already waits for the service and the template it names).
            # That run starts with the pipeline ("Start a pipeline in CodePipeline": "When a pipeline is
            # created, a pipeline execution starts automatically"); it moves artifacts as the pipeline role
            # and builds and releases as theirs, so every policy of the three roles exists first, or the
            # run meets AccessDenied on S3, KMS, ECR or ECS.
            depends_on=[
                *([self.source_seed] if self.source_seed else []),
                compute.scalable_target,
                *(policy for role in first_run_roles for policy in policies_of(role)),
            ],
        )
        if settings.source == SourceKind.S3:
            self._start_on_upload(namer, aws)

    def _source_action(self) -> CodepipelineStageAction:
        s = self._settings
        if s.source == SourceKind.CODESTAR:
            return _aws_action(
                "Source",
                "Source",
                "CodeStarSourceConnection",
                output_artifacts=["source"],
                configuration={
                    "ConnectionArn": s.connection_arn or "",
                    "FullRepositoryId": s.repository or "",
                    "BranchName": s.branch,
                    "DetectChanges": "true",
                },
            )
        return _aws_action(
            "Source",
            "Source",
            "S3",
            output_artifacts=["source"],
            # EventBridge starts the pipeline on upload (below); polling would be slower and costlier.
            configuration={
                "S3Bucket": self.artifacts.name,
                "S3ObjectKey": s.source_object_key,
                "PollForSourceChanges": "false",
            },
        )

    def _source_statements(self) -> list[Statement]:
        if self._settings.source != SourceKind.CODESTAR:
            return []
        return [Statement(actions="codestar-connections:UseConnection", resources=self._settings.connection_arn)]

    def _start_on_upload(self, namer: Namer, aws: AwsContext) -> None:
        S3BucketNotification(self, "notify-eventbridge", bucket=self.artifacts.bucket.id, eventbridge=True)
        rule = CloudwatchEventRule(
            self,
            "source-uploaded",
            name=namer.name(Kind.SOURCE_UPLOADED),
            description="A new source archive in the artifact bucket starts the pipeline",
            event_pattern=json.dumps(
                {
                    "source": ["aws.s3"],
                    "detail-type": ["Object Created"],
                    "detail": {
                        "bucket": {"name": [self.artifacts.name]},
                        "object": {"key": [self._settings.source_object_key]},
                    },
                }
            ),
        )
        role = service_role(
            self,
            "source-trigger-role",
            name=namer.name(Kind.SOURCE_TRIGGER_ROLE),
            service="events.amazonaws.com",
            aws=aws,
            description="EventBridge: start the pipeline when a source archive arrives",
        )
        grant(
            self,
            "source-trigger-policy",
            role=role,
            name="start-pipeline",
            statements=[Statement(actions="codepipeline:StartPipelineExecution", resources=self.pipeline.arn)],
        )
        CloudwatchEventTarget(
            self,
            "source-uploaded-target",
            rule=rule.name,
            arn=self.pipeline.arn,
            role_arn=role.arn,
            target_id="pipeline",
        )

    def failure_pattern(self) -> dict[str, Any]:
        """EventBridge pattern of a failed execution of this pipeline (routed to the alarm topic)."""
        return {
            "source": ["aws.codepipeline"],
            "detail-type": ["CodePipeline Pipeline Execution State Change"],
            "detail": {"pipeline": [self.pipeline.name], "state": ["FAILED"]},
        }


def _aws_action(
    name: str,
    category: str,
    provider: str,
    *,
    configuration: dict[str, str],
    input_artifacts: list[str] | None = None,
    output_artifacts: list[str] | None = None,
) -> CodepipelineStageAction:
    """A pipeline action of one of AWS's own providers (owner ``AWS``, action type version ``1``)."""
    return CodepipelineStageAction(
        name=name,
        category=category,
        owner="AWS",
        provider=provider,
        version="1",
        input_artifacts=input_artifacts,
        output_artifacts=output_artifacts,
        configuration=configuration,
    )

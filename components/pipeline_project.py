"""A CodeBuild project that runs as a CodePipeline action: the build and the release stages share it."""

from __future__ import annotations

from collections.abc import Mapping

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.codebuild_project import (
    CodebuildProject,
    CodebuildProjectArtifacts,
    CodebuildProjectEnvironment,
    CodebuildProjectEnvironmentEnvironmentVariable,
    CodebuildProjectLogsConfig,
    CodebuildProjectLogsConfigCloudwatchLogs,
    CodebuildProjectSource,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from constructs import Construct

from components.encryption import EncryptionKey


def terraform_literal(text: str) -> str:
    """``text`` with Terraform's template sequences escaped, so shell ``${VAR}`` reaches CodeBuild as is."""
    return text.replace("${", "$${").replace("%{", "%%{")


def pipeline_project(
    scope: Construct,
    id: str,
    *,
    name: str,
    description: str,
    role: IamRole,
    key: EncryptionKey,
    timeout_minutes: int,
    buildspec: str,
    compute_type: str,
    image: str,
    privileged: bool,
    variables: Mapping[str, str],
    log_group: CloudwatchLogGroup,
) -> CodebuildProject:
    """Source and artifacts from the pipeline, ``buildspec`` inlined (Terraform's ``${`` escaped), artifacts
    encrypted with ``key``, logs to ``log_group``, ``variables`` as plain-text environment variables."""
    return CodebuildProject(
        scope,
        id,
        name=name,
        description=description,
        service_role=role.arn,
        encryption_key=key.arn,
        build_timeout=timeout_minutes,
        source=CodebuildProjectSource(type="CODEPIPELINE", buildspec=terraform_literal(buildspec)),
        artifacts=CodebuildProjectArtifacts(type="CODEPIPELINE"),
        environment=CodebuildProjectEnvironment(
            type="LINUX_CONTAINER",
            compute_type=compute_type,
            image=image,
            image_pull_credentials_type="CODEBUILD",
            privileged_mode=privileged,
            environment_variable=[
                CodebuildProjectEnvironmentEnvironmentVariable(name=k, value=v) for k, v in variables.items()
            ],
        ),
        logs_config=CodebuildProjectLogsConfig(
            cloudwatch_logs=CodebuildProjectLogsConfigCloudwatchLogs(status="ENABLED", group_name=log_group.name)
        ),
    )

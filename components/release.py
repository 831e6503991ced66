"""The pipeline's Deploy stage: a CodeBuild project that runs delivery/release.py, with its own scoped role.

Terraform owns the template revision, the release owns the running revision. ``aws_ecs_task_definition``
is the template (everything but the image); the release project reads its ARN from
``TEMPLATE_TASK_DEFINITION``, which Terraform sets to that ARN, so an apply that changes the template
(a variable, CPU, memory, a secret) updates the project in place and the next release carries it. The
script registers the template with the built image as a new revision, points the service at it, waits
for a steady state (the build fails with the deployment) and registers the scalable target's minimum
(``MIN_CAPACITY``), which Terraform creates at 0 and then ignores. CodePipeline's ECS deploy action is
not used: it copies the revision the service runs and swaps only the image, so template changes never
reached a release.

The pipeline's source is the application, not this repository, so the script and the pins of boto3 and
its dependencies (from this repository's Pipfile.lock, the versions the tests ran against) are written
into the buildspec at synth and installed with ``pip install --require-hashes``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from cdktf_cdktf_provider_aws.iam_role import IamRole
from constructs import Construct

from components.compute import Compute
from components.context import StackContext
from components.encryption import EncryptionKey
from components.iam import Statement, grant, service_role
from components.logs import write_statement
from components.pipeline_project import pipeline_project
from config.naming import Kind
from config.settings import BuildComputeType, DeliverySettings

ROOT = Path(__file__).resolve().parent.parent
RELEASE_SCRIPT = ROOT / "delivery" / "release.py"
PIPFILE_LOCK = ROOT / "Pipfile.lock"
# boto3 and everything it imports at run time, as pinned for this repository's tests.
RELEASE_PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "python-dateutil", "six", "urllib3")
RELEASE_PYTHON = "3.11"
SCRIPT_END, REQUIREMENTS_END = "RELEASE_PY", "REQUIREMENTS_TXT"


def release_requirements(lock: Path = PIPFILE_LOCK) -> str:
    """``name==version --hash=...`` for each release package, from the lock file's pins."""
    locked = json.loads(lock.read_text())
    lines = []
    for name in RELEASE_PACKAGES:
        entry = locked["default"].get(name) or locked["develop"].get(name)
        if entry is None:
            raise KeyError(f"{name} is not pinned in {lock.name}; the release project installs it from there")
        hashes = " ".join(f"--hash={h}" for h in entry["hashes"])
        lines.append(f"{name}{entry['version']} {hashes}")
    return "\n".join(lines) + "\n"


def release_buildspec() -> str:
    """The release project's buildspec: install the pinned boto3, write the script, run it."""
    script = RELEASE_SCRIPT.read_text()
    if SCRIPT_END in script.splitlines():
        raise ValueError(f"{RELEASE_SCRIPT.name} contains the line {SCRIPT_END}, which ends its here-document")
    spec = {
        "version": 0.2,
        "env": {"shell": "bash"},
        "phases": {
            "install": {
                "on-failure": "ABORT",
                "runtime-versions": {"python": RELEASE_PYTHON},
                "commands": [
                    "set -euo pipefail",
                    f"cat > /tmp/release-requirements.txt <<'{REQUIREMENTS_END}'\n"
                    f"{release_requirements()}{REQUIREMENTS_END}\n",
                    "python3 -m venv /tmp/release-venv",
                    "/tmp/release-venv/bin/pip install --quiet --no-deps --require-hashes "
                    "-r /tmp/release-requirements.txt",
                ],
            },
            "build": {
                "on-failure": "ABORT",
                "commands": [
                    f"cat > /tmp/release.py <<'{SCRIPT_END}'\n{script}{SCRIPT_END}\n",
                    'IMAGE_DEFINITIONS="$CODEBUILD_SRC_DIR/imagedefinitions.json" /tmp/release-venv/bin/python '
                    "/tmp/release.py",
                ],
            },
        },
    }
    return str(yaml.dump(spec, Dumper=_LiteralDumper, sort_keys=False, width=1000))


def _represent_str(dumper: Any, text: str) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


# A SafeDumper that writes multi-line strings (the here-documents) as YAML literal blocks, readable as written.
_LiteralDumper: Any = type("_LiteralDumper", (yaml.SafeDumper,), {})
_LiteralDumper.add_representer(str, _represent_str)


class Release(Construct):
    """``healthtech-release-{env}``: the CodeBuild project of the Deploy stage, its log group and role."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: DeliverySettings,
        context: StackContext,
        artifacts_key: EncryptionKey,
        artifact_objects: str,
        compute: Compute,
    ) -> None:
        super().__init__(scope, id)
        namer = context.namer
        self.log_group = context.log_group(self, "log-group", name=namer.name(Kind.RELEASE_LOG_GROUP))
        self.role: IamRole = service_role(
            self,
            "role",
            name=namer.name(Kind.RELEASE_ROLE),
            service="codebuild.amazonaws.com",
            aws=context.aws,
            description="CodeBuild: register the task definition revision of a release and deploy it to ECS",
        )
        migration = compute.migration_task
        variables = {
            "CLUSTER_NAME": compute.cluster.name,
            "SERVICE_NAME": compute.service.name,
            "TEMPLATE_TASK_DEFINITION": compute.task_definition.arn,
            "CONTAINER_NAME": compute.settings.container_name,
            "DESIRED_COUNT": str(compute.settings.desired_count),
            "MIN_CAPACITY": str(compute.settings.min_capacity),
            "RELEASE_TIMEOUT_SECONDS": str(settings.release_timeout_minutes * 60),
            # Run before the service moves: the application's database user and schema (delivery/release.py).
            "MIGRATION_TASK_DEFINITION": migration.definition.arn,
            "MIGRATION_CONTAINER": migration.container_name,
            "TASK_SUBNETS": ",".join(migration.subnet_ids),
            "TASK_SECURITY_GROUPS": ",".join(migration.security_group_ids),
        }
        self.project = pipeline_project(
            self,
            "project",
            name=namer.name(Kind.RELEASE),
            description="Registers the template task definition with the built image and deploys it",
            role=self.role,
            key=artifacts_key,
            # The script's own deadline comes first, so the build says why it stopped.
            timeout_minutes=settings.release_timeout_minutes + 10,
            buildspec=release_buildspec(),
            compute_type=BuildComputeType.SMALL.value,
            image=settings.build_image,
            privileged=False,
            variables=variables,
            log_group=self.log_group,
        )
        grant(
            self,
            "policy",
            role=self.role,
            name="release-logs-and-artifacts",
            statements=[
                write_statement(self.log_group),
                # The build's output (imagedefinitions.json) is its input: read only.
                Statement(actions=["s3:GetObject", "s3:GetObjectVersion"], resources=artifact_objects),
                artifacts_key.decrypt_statement(),
            ],
        )
        self.deploy_policy = compute.grant_deploy(self.role)

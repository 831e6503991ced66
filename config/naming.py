"""The single source of physical names, each checked against its AWS limit.

Components never format a name by hand: they ask a :class:`Namer` for one of the kinds listed in
:data:`NAME_RULES`. Because the catalogue is closed, validation can check every name an
environment will produce before anything is synthesized.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROJECT = "healthtech"


def stack_name(environment: str) -> str:
    """The Terraform stack (and ``cdktf.out/stacks/`` directory) of ``environment``."""
    return f"{PROJECT}-{environment}"


# The {env} segment of what the state bootstrap creates: one per account/region, shared by its environments.
BOOTSTRAP_SCOPE = "bootstrap"
STATE_KEY_PURPOSE = "state"


@dataclass(frozen=True)
class NameRule:
    """How a kind of name is built and what AWS accepts for it."""

    aws_resource: str
    max_length: int
    pattern: str = r"^[a-zA-Z0-9-]+$"
    template: str = "{project}-{type}-{env}"
    purposes: tuple[str, ...] = ()
    """Values ``{purpose}`` takes in the template, so validation can check each resulting name."""


_S3 = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
_IAM = r"^[\w+=,.@-]+$"
_RDS_ID = r"^[a-z](-?[a-z0-9]+)*$"  # RDS: letter first, no trailing or double hyphen
KEY_PURPOSES: tuple[str, ...] = ("rds", "efs", "logs", "s3", "secrets", "ecr", "sns")
RDS_LOG_EXPORTS: tuple[str, ...] = ("postgresql", "upgrade")
ALARMS: tuple[str, ...] = (
    "ecs-cpu-high",
    "ecs-memory-high",
    "rds-cpu-high",
    "rds-connections-high",
    "rds-storage-low",
    "alb-5xx",
    "target-5xx",
    "unhealthy-hosts",
)

# type -> rule. The key is the {type} segment of ``healthtech-{type}-{env}``.
NAME_RULES: dict[str, NameRule] = {
    "vpc": NameRule("VPC Name tag", 255),
    "igw": NameRule("internet gateway Name tag", 255),
    "public-subnet": NameRule("subnet Name tag", 255, template="{project}-{type}-{index}-{env}"),
    "private-subnet": NameRule("subnet Name tag", 255, template="{project}-{type}-{index}-{env}"),
    "public-rt": NameRule("route table Name tag", 255),
    "private-rt": NameRule("route table Name tag", 255, template="{project}-{type}-{index}-{env}"),
    "nat-eip": NameRule("Elastic IP Name tag", 255, template="{project}-{type}-{index}-{env}"),
    "nat": NameRule("NAT gateway Name tag", 255, template="{project}-{type}-{index}-{env}"),
    "default-sg": NameRule("default security group Name tag", 255),
    "alb-sg": NameRule("security group name", 255),
    "ecs-sg": NameRule("security group name", 255),
    "rds-sg": NameRule("security group name", 255),
    "efs-sg": NameRule("security group name", 255),
    "flow-logs": NameRule("VPC flow log Name tag", 255),
    "flow-logs-role": NameRule("IAM role name", 64, pattern=_IAM),
    "flow-logs-log-group": NameRule(
        "CloudWatch log group name", 512, pattern=r"^[\w./#-]+$", template="/{project}/{env}/vpc-flow-logs"
    ),
    "key": NameRule("KMS key description", 8192, template="{project}-{purpose}-key-{env}", purposes=KEY_PURPOSES),
    "key-alias": NameRule(
        "KMS alias name",
        256,
        pattern=r"^alias/[a-zA-Z0-9/_-]+$",
        template="alias/{project}-{purpose}-{env}",
        purposes=KEY_PURPOSES,
    ),
    "postgres": NameRule("RDS DB instance identifier", 63, pattern=_RDS_ID),
    "postgres-final": NameRule("RDS final snapshot identifier", 255, pattern=_RDS_ID),
    "db-subnet-group": NameRule("DB subnet group name", 255, pattern=r"^[a-z0-9 ._-]+$"),
    "db-params": NameRule("DB parameter group name", 255, pattern=_RDS_ID),
    "db-params-versioned": NameRule(
        "DB parameter group name",
        255,
        pattern=_RDS_ID,
        template="{project}-db-params-{purpose}-{env}",
        purposes=("pg14", "pg15", "pg17"),
    ),
    "rds-log-group": NameRule(
        "CloudWatch log group name",
        512,
        pattern=r"^[\w./#-]+$",
        # RDS writes its log exports to exactly this name; creating it first lets us encrypt and expire it.
        template="/aws/rds/instance/{project}-postgres-{env}/{purpose}",
        purposes=RDS_LOG_EXPORTS,
    ),
    "rds-monitoring-role": NameRule("IAM role name", 64, pattern=_IAM),
    "task-role": NameRule("IAM role name", 64, pattern=_IAM),
    "execution-role": NameRule("IAM role name", 64, pattern=_IAM),
    "efs": NameRule("EFS creation token", 64),
    "efs-access-point": NameRule("EFS access point Name tag", 256),
    "cluster": NameRule("ECS cluster name", 255, pattern=r"^[a-zA-Z0-9_-]+$"),
    "service": NameRule("ECS service name", 255, pattern=r"^[a-zA-Z0-9_-]+$"),
    "task": NameRule("ECS task definition family", 255, pattern=r"^[a-zA-Z0-9_-]+$"),
    "app-log-group": NameRule(
        "CloudWatch log group name", 512, pattern=r"^[\w./#-]+$", template="/{project}/{env}/app"
    ),
    # The issue and the original template name the image repository after the project and environment only.
    "ecr": NameRule("ECR repository name", 256, pattern=r"^[a-z0-9]+([._/-][a-z0-9]+)*$", template="{project}-{env}"),
    "scale-cpu": NameRule("Application Auto Scaling policy name", 256, pattern=r"^[\w-]+$"),
    "scale-memory": NameRule("Application Auto Scaling policy name", 256, pattern=r"^[\w-]+$"),
    # ALB names may not start with "internal-" and end at 32 characters, the shortest limit we face.
    "alb": NameRule("application load balancer name", 32, pattern=r"^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$"),
    "tg": NameRule("target group name", 32, pattern=r"^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$"),
    "waf": NameRule("WAF web ACL name", 128, pattern=r"^[\w-]+$"),
    # WAF delivers logs only to log groups whose name starts with aws-waf-logs-.
    "waf-log-group": NameRule(
        "CloudWatch log group name", 512, pattern=r"^aws-waf-logs-[\w./#-]+$", template="aws-waf-logs-{project}-{env}"
    ),
    "alb-logs": NameRule("S3 bucket name", 63, pattern=_S3, template="{project}-{type}-{env}-{account}"),
    "alarms": NameRule("SNS topic name", 256, pattern=r"^[\w-]+$"),
    "alarm": NameRule(
        "CloudWatch alarm name", 255, pattern=r"^[\w.-]+$", template="{project}-{purpose}-{env}", purposes=ALARMS
    ),
    "dashboard": NameRule("CloudWatch dashboard name", 255, pattern=r"^[\w-]+$"),
    "pipeline-failed": NameRule("EventBridge rule name", 64, pattern=r"^[\w.-]+$"),
    "source-uploaded": NameRule("EventBridge rule name", 64, pattern=r"^[\w.-]+$"),
    "pipeline": NameRule("CodePipeline name", 100, pattern=r"^[A-Za-z0-9.@_-]+$"),
    "build": NameRule("CodeBuild project name", 255, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$"),
    "build-log-group": NameRule(
        "CloudWatch log group name", 512, pattern=r"^[\w./#-]+$", template="/{project}/{env}/build"
    ),
    "pipeline-role": NameRule("IAM role name", 64, pattern=_IAM),
    "build-role": NameRule("IAM role name", 64, pattern=_IAM),
    "source-trigger-role": NameRule("IAM role name", 64, pattern=_IAM),
    "artifacts": NameRule("S3 bucket name", 63, pattern=_S3, template="{project}-{type}-{env}-{account}"),
    # The GitHub workflows' roles (created by the state bootstrap): one plan role, one deploy role per environment.
    "ci-plan": NameRule("IAM role name", 64, pattern=_IAM, template="{project}-{type}"),
    "ci-deploy": NameRule("IAM role name", 64, pattern=_IAM),
}

# Longest value {account} (a 12-digit AWS account id) can take; used when validating bucket names.
_ACCOUNT_PLACEHOLDER = "0" * 12


class PhysicalNameError(ValueError):
    """A generated name breaks its AWS limit."""


@dataclass(frozen=True)
class Namer:
    """Produces ``healthtech-{type}-{env}`` names, checked against AWS limits."""

    environment: str

    def name(self, kind: str, *, index: int | None = None, purpose: str | None = None, account: str = "") -> str:
        rule = NAME_RULES.get(kind)
        if rule is None:
            raise KeyError(f"unknown name kind {kind!r}; add it to NAME_RULES (known: {', '.join(NAME_RULES)})")
        value = rule.template.format(
            project=PROJECT,
            type=kind,
            env=self.environment,
            index="" if index is None else index,
            purpose=purpose or "",
            account=account,
        )
        problem = check_name(kind, value if "${" not in value else _strip_tokens(value))
        if problem:
            raise PhysicalNameError(problem)
        return value

    def every_name(self) -> list[tuple[str, str]]:
        """(kind, name) for every name this environment can produce, tokens replaced by their longest value."""
        out: list[tuple[str, str]] = []
        for kind, rule in NAME_RULES.items():
            for purpose in rule.purposes or (None,):
                value = rule.template.format(
                    project=PROJECT,
                    type=kind,
                    env=self.environment,
                    index=2,
                    purpose=purpose or "",
                    account=_ACCOUNT_PLACEHOLDER,
                )
                out.append((kind, value))
        return out


# CodePipeline keeps a pipeline's artifacts in a folder of the artifact store named after the pipeline
# (ArtifactStore.location, CodePipeline API reference); the folder name is the first 20 characters of
# the pipeline name. The first 20 characters are a prefix of the folder whether or not it is truncated.
PIPELINE_ARTIFACT_FOLDER_LENGTH = 20


def pipeline_artifact_prefix(pipeline_name: str) -> str:
    """The object-key prefix under which CodePipeline writes ``pipeline_name``'s artifacts."""
    return pipeline_name[:PIPELINE_ARTIFACT_FOLDER_LENGTH]


def state_key_alias() -> str:
    """``alias/healthtech-state-bootstrap``: the KMS key the bootstrap creates and every S3 backend encrypts with."""
    return Namer(BOOTSTRAP_SCOPE).name("key-alias", purpose=STATE_KEY_PURPOSE)


def _strip_tokens(value: str) -> str:
    # An unresolved CDKTF token (e.g. the account id) stands in for a 12-digit account id.
    return re.sub(r"\$\{[^}]*\}", _ACCOUNT_PLACEHOLDER, value)


def check_name(kind: str, value: str) -> str | None:
    """Return a message when ``value`` breaks the AWS rule for ``kind``, else None."""
    rule = NAME_RULES[kind]
    if len(value) > rule.max_length:
        return f"{rule.aws_resource} {value!r} is {len(value)} characters; AWS allows at most {rule.max_length}"
    if not re.match(rule.pattern, value):
        return f"{rule.aws_resource} {value!r} must match {rule.pattern}"
    return None

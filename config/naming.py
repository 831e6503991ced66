"""The single source of physical names, each checked against its AWS limit.

Components never format a name by hand: they ask a :class:`Namer` for one of the kinds listed in
:data:`NAME_RULES`. Because the catalogue is closed, validation can check every name an
environment will produce before anything is synthesized.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

PROJECT = "healthtech"


def stack_name(environment: str) -> str:
    """The Terraform stack (and ``cdktf.out/stacks/`` directory) of ``environment``."""
    return f"{PROJECT}-{environment}"


# The {env} segment of what the state bootstrap creates: one per account/region, shared by its environments.
BOOTSTRAP_SCOPE = "bootstrap"


class KeyPurpose(StrEnum):
    """What a customer-managed key encrypts; the ``{purpose}`` of ``alias/healthtech-{purpose}-{env}``."""

    RDS = "rds"
    EFS = "efs"
    LOGS = "logs"
    S3 = "s3"
    SECRETS = "secrets"
    ECR = "ecr"
    SNS = "sns"
    STATE = "state"
    """The state bootstrap's key: one per account/region (``alias/healthtech-state-bootstrap``), no environment's."""


STATE_KEY_PURPOSE = KeyPurpose.STATE


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
# The keys each environment has (components/encryption.py builds one per purpose).
KEY_PURPOSES: tuple[KeyPurpose, ...] = tuple(p for p in KeyPurpose if p is not KeyPurpose.STATE)
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


class Kind(StrEnum):
    """Every kind of physical name: the ``{type}`` segment of ``healthtech-{type}-{env}``. A typo fails mypy."""

    VPC = "vpc"
    IGW = "igw"
    PUBLIC_SUBNET = "public-subnet"
    PRIVATE_SUBNET = "private-subnet"
    PUBLIC_RT = "public-rt"
    PRIVATE_RT = "private-rt"
    NAT_EIP = "nat-eip"
    NAT = "nat"
    DEFAULT_SG = "default-sg"
    ALB_SG = "alb-sg"
    ECS_SG = "ecs-sg"
    RDS_SG = "rds-sg"
    EFS_SG = "efs-sg"
    FLOW_LOGS = "flow-logs"
    FLOW_LOGS_ROLE = "flow-logs-role"
    FLOW_LOGS_LOG_GROUP = "flow-logs-log-group"
    KEY = "key"
    KEY_ALIAS = "key-alias"
    POSTGRES = "postgres"
    POSTGRES_FINAL = "postgres-final"
    DB_SUBNET_GROUP = "db-subnet-group"
    DB_PARAMS = "db-params"
    DB_PARAMS_VERSIONED = "db-params-versioned"
    RDS_LOG_GROUP = "rds-log-group"
    RDS_MONITORING_ROLE = "rds-monitoring-role"
    TASK_ROLE = "task-role"
    EXECUTION_ROLE = "execution-role"
    MIGRATE_ROLE = "migrate-role"
    EFS = "efs"
    EFS_ACCESS_POINT = "efs-access-point"
    CLUSTER = "cluster"
    SERVICE = "service"
    TASK = "task"
    MIGRATE_TASK = "migrate"
    APP_LOG_GROUP = "app-log-group"
    ECR = "ecr"
    SCALE_CPU = "scale-cpu"
    SCALE_MEMORY = "scale-memory"
    ALB = "alb"
    TG = "tg"
    WAF = "waf"
    WAF_LOG_GROUP = "waf-log-group"
    ALB_LOGS = "alb-logs"
    ALARMS = "alarms"
    ALARM = "alarm"
    DASHBOARD = "dashboard"
    PIPELINE_FAILED = "pipeline-failed"
    SOURCE_UPLOADED = "source-uploaded"
    PIPELINE = "pipeline"
    BUILD = "build"
    BUILD_LOG_GROUP = "build-log-group"
    PIPELINE_ROLE = "pipeline-role"
    BUILD_ROLE = "build-role"
    SOURCE_TRIGGER_ROLE = "source-trigger-role"
    RELEASE = "release"
    RELEASE_LOG_GROUP = "release-log-group"
    RELEASE_ROLE = "release-role"
    ARTIFACTS = "artifacts"
    CI_PLAN = "ci-plan"
    CI_DEPLOY = "ci-deploy"
    CI_BOUNDARY = "ci-boundary"
    CI_READ = "ci-read"


# kind -> rule; every Kind has one (tests/config/test_naming.py).
NAME_RULES: dict[Kind, NameRule] = {
    Kind.VPC: NameRule("VPC Name tag", 255),
    Kind.IGW: NameRule("internet gateway Name tag", 255),
    Kind.PUBLIC_SUBNET: NameRule("subnet Name tag", 255, template="{project}-{type}-{index}-{env}"),
    Kind.PRIVATE_SUBNET: NameRule("subnet Name tag", 255, template="{project}-{type}-{index}-{env}"),
    Kind.PUBLIC_RT: NameRule("route table Name tag", 255),
    Kind.PRIVATE_RT: NameRule("route table Name tag", 255, template="{project}-{type}-{index}-{env}"),
    Kind.NAT_EIP: NameRule("Elastic IP Name tag", 255, template="{project}-{type}-{index}-{env}"),
    Kind.NAT: NameRule("NAT gateway Name tag", 255, template="{project}-{type}-{index}-{env}"),
    Kind.DEFAULT_SG: NameRule("default security group Name tag", 255),
    Kind.ALB_SG: NameRule("security group name", 255),
    Kind.ECS_SG: NameRule("security group name", 255),
    Kind.RDS_SG: NameRule("security group name", 255),
    Kind.EFS_SG: NameRule("security group name", 255),
    Kind.FLOW_LOGS: NameRule("VPC flow log Name tag", 255),
    Kind.FLOW_LOGS_ROLE: NameRule("IAM role name", 64, pattern=_IAM),
    Kind.FLOW_LOGS_LOG_GROUP: NameRule(
        "CloudWatch log group name", 512, pattern=r"^[\w./#-]+$", template="/{project}/{env}/vpc-flow-logs"
    ),
    Kind.KEY: NameRule("KMS key description", 8192, template="{project}-{purpose}-key-{env}", purposes=KEY_PURPOSES),
    Kind.KEY_ALIAS: NameRule(
        "KMS alias name",
        256,
        pattern=r"^alias/[a-zA-Z0-9/_-]+$",
        template="alias/{project}-{purpose}-{env}",
        purposes=KEY_PURPOSES,
    ),
    Kind.POSTGRES: NameRule("RDS DB instance identifier", 63, pattern=_RDS_ID),
    Kind.POSTGRES_FINAL: NameRule("RDS final snapshot identifier", 255, pattern=_RDS_ID),
    Kind.DB_SUBNET_GROUP: NameRule("DB subnet group name", 255, pattern=r"^[a-z0-9 ._-]+$"),
    Kind.DB_PARAMS: NameRule("DB parameter group name", 255, pattern=_RDS_ID),
    Kind.DB_PARAMS_VERSIONED: NameRule(
        "DB parameter group name",
        255,
        pattern=_RDS_ID,
        template="{project}-db-params-{purpose}-{env}",
        purposes=("pg14", "pg15", "pg17"),
    ),
    Kind.RDS_LOG_GROUP: NameRule(
        "CloudWatch log group name",
        512,
        pattern=r"^[\w./#-]+$",
        # RDS writes its log exports to exactly this name; creating it first lets us encrypt and expire it.
        template="/aws/rds/instance/{project}-postgres-{env}/{purpose}",
        purposes=RDS_LOG_EXPORTS,
    ),
    Kind.RDS_MONITORING_ROLE: NameRule("IAM role name", 64, pattern=_IAM),
    Kind.TASK_ROLE: NameRule("IAM role name", 64, pattern=_IAM),
    Kind.EXECUTION_ROLE: NameRule("IAM role name", 64, pattern=_IAM),
    Kind.MIGRATE_ROLE: NameRule("IAM role name", 64, pattern=_IAM),
    Kind.EFS: NameRule("EFS creation token", 64),
    Kind.EFS_ACCESS_POINT: NameRule("EFS access point Name tag", 256),
    Kind.CLUSTER: NameRule("ECS cluster name", 255, pattern=r"^[a-zA-Z0-9_-]+$"),
    Kind.SERVICE: NameRule("ECS service name", 255, pattern=r"^[a-zA-Z0-9_-]+$"),
    Kind.TASK: NameRule("ECS task definition family", 255, pattern=r"^[a-zA-Z0-9_-]+$"),
    Kind.MIGRATE_TASK: NameRule("ECS task definition family", 255, pattern=r"^[a-zA-Z0-9_-]+$"),
    Kind.APP_LOG_GROUP: NameRule(
        "CloudWatch log group name", 512, pattern=r"^[\w./#-]+$", template="/{project}/{env}/app"
    ),
    # The issue and the original template name the image repository after the project and environment only.
    Kind.ECR: NameRule(
        "ECR repository name", 256, pattern=r"^[a-z0-9]+([._/-][a-z0-9]+)*$", template="{project}-{env}"
    ),
    Kind.SCALE_CPU: NameRule("Application Auto Scaling policy name", 256, pattern=r"^[\w-]+$"),
    Kind.SCALE_MEMORY: NameRule("Application Auto Scaling policy name", 256, pattern=r"^[\w-]+$"),
    # ALB names may not start with "internal-" and end at 32 characters, the shortest limit we face.
    Kind.ALB: NameRule("application load balancer name", 32, pattern=r"^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$"),
    Kind.TG: NameRule("target group name", 32, pattern=r"^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$"),
    Kind.WAF: NameRule("WAF web ACL name", 128, pattern=r"^[\w-]+$"),
    # WAF delivers logs only to log groups whose name starts with aws-waf-logs-.
    Kind.WAF_LOG_GROUP: NameRule(
        "CloudWatch log group name", 512, pattern=r"^aws-waf-logs-[\w./#-]+$", template="aws-waf-logs-{project}-{env}"
    ),
    Kind.ALB_LOGS: NameRule("S3 bucket name", 63, pattern=_S3, template="{project}-{type}-{env}-{account}"),
    Kind.ALARMS: NameRule("SNS topic name", 256, pattern=r"^[\w-]+$"),
    Kind.ALARM: NameRule(
        "CloudWatch alarm name", 255, pattern=r"^[\w.-]+$", template="{project}-{purpose}-{env}", purposes=ALARMS
    ),
    Kind.DASHBOARD: NameRule("CloudWatch dashboard name", 255, pattern=r"^[\w-]+$"),
    Kind.PIPELINE_FAILED: NameRule("EventBridge rule name", 64, pattern=r"^[\w.-]+$"),
    Kind.SOURCE_UPLOADED: NameRule("EventBridge rule name", 64, pattern=r"^[\w.-]+$"),
    Kind.PIPELINE: NameRule("CodePipeline name", 100, pattern=r"^[A-Za-z0-9.@_-]+$"),
    Kind.BUILD: NameRule("CodeBuild project name", 255, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$"),
    Kind.BUILD_LOG_GROUP: NameRule(
        "CloudWatch log group name", 512, pattern=r"^[\w./#-]+$", template="/{project}/{env}/build"
    ),
    Kind.PIPELINE_ROLE: NameRule("IAM role name", 64, pattern=_IAM),
    Kind.BUILD_ROLE: NameRule("IAM role name", 64, pattern=_IAM),
    Kind.SOURCE_TRIGGER_ROLE: NameRule("IAM role name", 64, pattern=_IAM),
    Kind.RELEASE: NameRule("CodeBuild project name", 255, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$"),
    Kind.RELEASE_LOG_GROUP: NameRule(
        "CloudWatch log group name", 512, pattern=r"^[\w./#-]+$", template="/{project}/{env}/release"
    ),
    Kind.RELEASE_ROLE: NameRule("IAM role name", 64, pattern=_IAM),
    Kind.ARTIFACTS: NameRule("S3 bucket name", 63, pattern=_S3, template="{project}-{type}-{env}-{account}"),
    # The GitHub workflows' roles (created by the state bootstrap): one plan role, one deploy role per environment.
    Kind.CI_PLAN: NameRule("IAM role name", 64, pattern=_IAM, template="{project}-{type}"),
    Kind.CI_DEPLOY: NameRule("IAM role name", 64, pattern=_IAM),
    # The permissions boundary every role of an environment carries (IAM API reference, CreatePolicy).
    Kind.CI_BOUNDARY: NameRule("IAM policy name", 128, pattern=_IAM),
    # What every CI role reads of the platform, one managed policy (its inline policies keep the room).
    Kind.CI_READ: NameRule("IAM policy name", 128, pattern=_IAM, template="{project}-{type}"),
}

# Longest value {account} (a 12-digit AWS account id) can take; used when validating bucket names.
_ACCOUNT_PLACEHOLDER = "0" * 12


class PhysicalNameError(ValueError):
    """A generated name breaks its AWS limit."""


@dataclass(frozen=True)
class Namer:
    """Produces ``healthtech-{type}-{env}`` names, checked against AWS limits."""

    environment: str

    def name(self, kind: Kind, *, index: int | None = None, purpose: str | None = None, account: str = "") -> str:
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

    def every_name(self) -> list[tuple[Kind, str]]:
        """(kind, name) for every name this environment can produce, tokens replaced by their longest value."""
        out: list[tuple[Kind, str]] = []
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
    return Namer(BOOTSTRAP_SCOPE).name(Kind.KEY_ALIAS, purpose=STATE_KEY_PURPOSE)


def _strip_tokens(value: str) -> str:
    # An unresolved CDKTF token (e.g. the account id) stands in for a 12-digit account id.
    return re.sub(r"\$\{[^}]*\}", _ACCOUNT_PLACEHOLDER, value)


def check_name(kind: Kind, value: str) -> str | None:
    """Return a message when ``value`` breaks the AWS rule for ``kind``, else None."""
    rule = NAME_RULES[kind]
    if len(value) > rule.max_length:
        return f"{rule.aws_resource} {value!r} is {len(value)} characters; AWS allows at most {rule.max_length}"
    if not re.match(rule.pattern, value):
        return f"{rule.aws_resource} {value!r} must match {rule.pattern}"
    return None

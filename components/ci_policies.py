"""What the GitHub workflows' roles may do: IAM statements of the plan role and of each deploy role.

Sources, cited once here for every statement below:
- Terraform, "Backend Type: s3" (https://developer.hashicorp.com/terraform/language/backend/s3), S3
  bucket and DynamoDB permissions: ``s3:ListBucket`` on the bucket, ``s3:GetObject``/``s3:PutObject`` on
  the state key, ``s3:GetObject``/``s3:PutObject``/``s3:DeleteObject`` on ``{key}.tflock`` with
  ``use_lockfile``, and ``dynamodb:GetItem``/``PutItem``/``DeleteItem`` on the lock table. The lock item's
  ``LockID`` is ``{bucket}/{key}``, the state digest's ``{bucket}/{key}-md5``.
- Amazon DynamoDB developer guide, "Using IAM policy conditions for fine-grained access control": the
  ``dynamodb:LeadingKeys`` condition key (with ``ForAllValues:``) limits item access by partition key.
- IAM user guide, "Controlling access to AWS resources using tags": ``aws:ResourceTag/...`` on existing
  resources, ``aws:RequestTag/...`` on the tags a create request carries.
- Service Authorization Reference (each service's "Actions, resources, and condition keys"): which
  actions have resource-level permissions; those without take ``"Resource": "*"`` only.
- SSE-KMS objects need ``kms:Decrypt`` to read and ``kms:GenerateDataKey`` to write (S3 user guide,
  "Using server-side encryption with AWS KMS keys"); the state key's policy admits principals of the
  account only through S3 and DynamoDB (components/encryption.py, ``kms:ViaService``).
"""

from __future__ import annotations

from dataclasses import dataclass

from components.aws_context import permissions_boundary_arn
from components.ci_boundary import role_statements
from components.ci_read_actions import PLATFORM_READ_ACTIONS, READ_LINT_REASON, READ_REASON
from components.iam import Effect, Statement
from config.naming import Kind, Namer

STATE_OBJECT = "terraform.tfstate"
LOCKFILE_SUFFIX = ".tflock"  # Terraform's S3 lockfile is the state key plus this
DIGEST_SUFFIX = "-md5"  # Terraform's DynamoDB item holding the state's checksum


@dataclass(frozen=True, kw_only=True)
class StateAccess:
    """Where the state lives: the bootstrap's bucket, lock table and key (ARNs may be tokens)."""

    bucket: str
    """The bucket's name as a plain string: lock IDs are ``{bucket}/{key}``."""
    bucket_arn: str
    lock_table_arn: str
    key_arn: str
    key_prefix: str

    def state_key(self, environment: str) -> str:
        return f"{self.key_prefix}/{environment}/{STATE_OBJECT}"

    def objects(self, key: str) -> str:
        return f"{self.bucket_arn}/{key}"

    def lock_id(self, key: str) -> str:
        return f"{self.bucket}/{key}"


def _state_statements(state: StateAccess, key: str, *, write: bool) -> list[Statement]:
    """State ``key`` (a pattern, ``*`` for every environment): read it, or read and write it; take its locks."""
    lock_id = state.lock_id(key)
    return [
        # Object keys only (never contents): Terraform lists the bucket to find workspaces.
        Statement(sid="ListStateBucket", actions="s3:ListBucket", resources=state.bucket_arn),
        Statement(
            sid="WriteState" if write else "ReadState",
            actions=["s3:GetObject", "s3:PutObject"] if write else "s3:GetObject",
            resources=state.objects(key),
        ),
        Statement(
            sid="TakeStateLockfile",
            actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            resources=state.objects(key + LOCKFILE_SUFFIX),
        ),
        Statement(
            sid="ReadStateDigest",
            actions="dynamodb:GetItem",
            resources=state.lock_table_arn,
            condition={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [lock_id, lock_id + DIGEST_SUFFIX]}},
        ),
        Statement(
            sid="TakeStateLock",
            actions=["dynamodb:PutItem", "dynamodb:DeleteItem"],
            resources=state.lock_table_arn,
            condition={
                "ForAllValues:StringLike": {
                    "dynamodb:LeadingKeys": [lock_id, lock_id + DIGEST_SUFFIX] if write else [lock_id]
                }
            },
        ),
        Statement(sid="UseStateKey", actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=state.key_arn),
    ]


def read_statements() -> list[Statement]:
    """What every CI role reads of the platform's configuration (one managed policy, components/ci_access.py)."""
    return [Statement(sid="ReadPlatformConfiguration", actions=list(PLATFORM_READ_ACTIONS), resources="*")]


READ_ANY_RESOURCE_REASONS: dict[str, str] = {"ReadPlatformConfiguration": READ_REASON}
READ_LINT_REASONS: dict[tuple[str, str], str] = {("ReadPlatformConfiguration", "RESOURCE_STAR"): READ_LINT_REASON}


def plan_statements(state: StateAccess, *, platform_buckets: str, source_seeds: str) -> list[Statement]:
    """Read every environment's state (and, through :func:`read_statements`, the platform), take and release
    the locks; never write state.

    ``platform_buckets``: the ARN pattern of the platform's buckets, which a refresh heads (HeadBucket is
    authorized as ``s3:ListBucket``: object keys, never contents). ``source_seeds``: the ARN pattern of the
    source archive each stack seeds (components/source_seed.py); refreshing an ``aws_s3_object`` heads it
    and reads its tags (HeadObject is authorized as ``s3:GetObject``). It holds application code, no PHI."""
    every_state = state.state_key("*")
    return [
        Statement(sid="HeadPlatformBuckets", actions="s3:ListBucket", resources=platform_buckets),
        Statement(sid="HeadSourceSeeds", actions=["s3:GetObject", "s3:GetObjectTagging"], resources=source_seeds),
        *_state_statements(state, every_state, write=False),
        Statement(
            sid="NeverWriteState",
            actions=["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            resources=state.objects(every_state),
            effect=Effect.DENY,
        ),
    ]


@dataclass(frozen=True, kw_only=True)
class DeployScope:
    """The ARNs and tag one environment's resources carry (names from config/naming.py)."""

    environment: str
    partition: str
    region: str
    account_id: str
    domain_name: str | None = None
    """The host name the environment serves (``load_balancer.domain_name``), when it has one."""

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        return f"arn:{self.partition}:{service}:{self.region if regional else ''}:{self.account_id}:{resource}"

    def role_arn(self, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role/{name}"

    @property
    def environment_roles(self) -> str:
        """The roles the environment's stack creates (``healthtech-{type}-{env}``)."""
        return self.role_arn(f"healthtech-*-{self.environment}")

    @property
    def boundary_arn(self) -> str:
        """The permissions boundary every role of the environment carries (ci_boundary.boundary_statements)."""
        return permissions_boundary_arn(self.partition, self.account_id, self.environment)

    @property
    def domain(self) -> str | None:
        """``domain_name`` lowercase without a trailing dot, as ACM and Route 53 compare names."""
        return self.domain_name.lower().rstrip(".") if self.domain_name else None

    @property
    def record_names(self) -> list[str]:
        """The Route 53 record names the stack writes: the alias record and ACM's DNS validation records
        (``_<token>.{domain}``; ACM user guide, "DNS validation"), lowercase without the trailing dot as
        ``route53:ChangeResourceRecordSetsNormalizedRecordNames`` compares them."""
        return [self.domain, f"_*.{self.domain}"] if self.domain else []

    def named_resources(self) -> list[str]:
        """Resources whose ARN holds the environment's name: ``healthtech-{type}-{env}`` and kin."""
        env, arn = self.environment, self.arn

        def name(kind: Kind) -> str:
            return Namer(env).name(kind)

        return [
            # Buckets are healthtech-{type}-{env}-{account}; the state bucket ends with the region instead.
            f"arn:{self.partition}:s3:::healthtech-*-{env}-{self.account_id}",
            f"arn:{self.partition}:s3:::healthtech-*-{env}-{self.account_id}/*",
            arn("logs", f"log-group:/healthtech/{env}/*"),
            arn("logs", f"log-group:/aws/rds/instance/healthtech-postgres-{env}/*"),
            arn("logs", f"log-group:aws-waf-logs-healthtech-{env}"),
            arn("logs", f"log-group:aws-waf-logs-healthtech-{env}:*"),
            arn("ecr", f"repository/{name(Kind.ECR)}"),
            arn("ecs", f"cluster/{name(Kind.CLUSTER)}"),
            arn("ecs", f"service/{name(Kind.CLUSTER)}/*"),
            arn("ecs", f"task-definition/{name(Kind.TASK)}:*"),
            arn("ecs", f"task-definition/{name(Kind.MIGRATE_TASK)}:*"),
            arn("rds", f"db:{name(Kind.POSTGRES)}"),
            arn("rds", f"snapshot:{name(Kind.POSTGRES_FINAL)}*"),
            arn("rds", f"subgrp:{name(Kind.DB_SUBNET_GROUP)}"),
            arn("rds", f"pg:healthtech-db-params*-{env}"),
            arn("rds", "og:default:*"),  # the engine's default option group, which every instance names
            arn("elasticloadbalancing", f"loadbalancer/app/{name(Kind.ALB)}/*"),
            arn("elasticloadbalancing", f"listener/app/{name(Kind.ALB)}/*"),
            arn("elasticloadbalancing", f"listener-rule/app/{name(Kind.ALB)}/*"),
            arn("elasticloadbalancing", f"targetgroup/{name(Kind.TG)}/*"),
            arn("wafv2", f"regional/webacl/{name(Kind.WAF)}/*"),
            arn("wafv2", "regional/managedruleset/*/*"),  # AWS's managed rule groups, which the web ACL uses
            arn("codebuild", f"project/{name(Kind.BUILD)}"),
            arn("codebuild", f"project/{name(Kind.RELEASE)}"),
            arn("codepipeline", name(Kind.PIPELINE)),
            arn("codepipeline", f"{name(Kind.PIPELINE)}/*"),
            arn("sns", name(Kind.ALARMS)),
            arn("events", f"rule/healthtech-*-{env}"),
            arn("cloudwatch", f"alarm:healthtech-*-{env}"),
            # The target-tracking policy's alarms, which Application Auto Scaling creates and deletes with the
            # caller's permissions (Application Auto Scaling user guide, "Identity-based policy examples":
            # cloudwatch:PutMetricAlarm, DescribeAlarms, DeleteAlarms), named TargetTracking-{resource id}-...
            arn("cloudwatch", f"alarm:TargetTracking-service/{name(Kind.CLUSTER)}/*"),
            arn("cloudwatch", f"dashboard/{name(Kind.DASHBOARD)}", regional=False),
            arn("kms", f"alias/healthtech-*-{env}"),
        ]


# Services whose resources the deploy role manages by name (ARNs above) or by tag (ids in their ARNs).
NAMED_SERVICES = (
    "s3",
    "logs",
    "ecr",
    "ecs",
    "rds",
    "elasticloadbalancing",
    "wafv2",
    "codebuild",
    "codepipeline",
    "sns",
    "events",
    "cloudwatch",
    "kms",
)
TAGGED_SERVICES = ("ec2", "kms", "elasticfilesystem", "acm")
# Create calls of the tagged services: the request must carry the environment's tag (provider default_tags).
TAGGED_CREATES = (
    "ec2:Create*",
    "ec2:AllocateAddress",
    "kms:CreateKey",
    "kms:TagResource",
    "elasticfilesystem:CreateFileSystem",
    "elasticfilesystem:CreateAccessPoint",
    "elasticfilesystem:TagResource",
    "acm:RequestCertificate",
    "acm:AddTagsToCertificate",
)
RETAG_ACTIONS = (
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "kms:TagResource",
    "kms:UntagResource",
    "elasticfilesystem:TagResource",
    "elasticfilesystem:UntagResource",
    "acm:AddTagsToCertificate",
    "acm:RemoveTagsFromCertificate",
)
SERVICE_LINKED_ROLE_SERVICES = (
    "elasticloadbalancing.amazonaws.com",
    "ecs.amazonaws.com",
    "rds.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
)
# Not scoped to one environment, because IAM cannot: each line says why.
UNSCOPED_ACTIONS: dict[str, str] = {
    # Scalable target ARNs hold a generated id (SAR, Application Auto Scaling, resource type scalable-target);
    # other environments' targets are kept out by NeverTouchOtherEnvironments (aws:ResourceTag).
    "application-autoscaling:*": (
        "scalable target ARNs hold a generated id; other environments' targets are denied by their tag"
    ),
    # RDS creates the managed master secret itself, named rds!db-<id>: the name holds no environment.
    "secretsmanager:CreateSecret": "RDS names the managed master secret rds!db-<id>",
    "secretsmanager:TagResource": "RDS names the managed master secret rds!db-<id>",
    # WAF's log delivery to CloudWatch Logs (Logs user guide, "Enabling logging from AWS services").
    "logs:CreateLogDelivery": "log delivery actions have no resource-level permissions",
    "logs:DeleteLogDelivery": "log delivery actions have no resource-level permissions",
    "logs:GetLogDelivery": "log delivery actions have no resource-level permissions",
    "logs:ListLogDeliveries": "log delivery actions have no resource-level permissions",
    "logs:PutResourcePolicy": "log delivery actions have no resource-level permissions",
    "logs:DescribeResourcePolicies": "log delivery actions have no resource-level permissions",
    # SAR, Amazon ECS: DeregisterTaskDefinition lists no resource type. For RegisterTaskDefinition the copy of
    # the SAR parliament 1.6.4 ships lists task-definition* (tooling.iam_lint reports RESOURCE_STAR).
    "ecs:RegisterTaskDefinition": (
        "not scoped to the environment's families until a real account shows that ECS authorizes a new "
        "revision by its family's ARN (the SAR parliament ships lists a task-definition resource)"
    ),
    "ecs:DeregisterTaskDefinition": "SAR lists no resource type for ecs:DeregisterTaskDefinition",
    "codestar-connections:PassConnection": "the CodeStar connection is made by hand in the console",
}
UNSCOPED_REASON = "IAM cannot scope these to one environment: " + "; ".join(sorted(set(UNSCOPED_ACTIONS.values())))


def deploy_statements(state: StateAccess, scope: DeployScope) -> list[Statement]:
    """Manage ``scope.environment``'s resources and state, as far as IAM can tell them apart."""
    env = scope.environment
    tag = {"StringEquals": {"aws:ResourceTag/Environment": env}}
    other_environment = {
        "StringNotEquals": {"aws:ResourceTag/Environment": env},
        "Null": {"aws:ResourceTag/Environment": "false"},
    }
    return [
        *_state_statements(state, state.state_key(env), write=True),
        Statement(
            sid="ManageNamedResources",
            actions=[f"{service}:*" for service in NAMED_SERVICES],
            resources=scope.named_resources(),
        ),
        Statement(
            sid="ManageTaggedResources",
            actions=[f"{service}:*" for service in TAGGED_SERVICES],
            resources="*",
            condition=tag,
        ),
        Statement(
            sid="CreateTaggedResources",
            actions=list(TAGGED_CREATES),
            resources="*",
            condition={"StringEquals": {"aws:RequestTag/Environment": env}},
        ),
        Statement(
            sid="NeverRetagOtherEnvironments",
            actions=list(RETAG_ACTIONS),
            resources="*",
            condition=other_environment,
            effect=Effect.DENY,
        ),
        # EFS mount targets: EFS creates the interface with the caller's permissions, which must cover the new
        # interface and the subnet and security groups it goes into (SAR, Amazon EC2, CreateNetworkInterface:
        # network-interface* and subnet* required, security-group optional). The new interface has no tag
        # yet (IfExists); its subnet and security groups must carry the environment's tag, and the Deny after
        # it refuses untagged ones, which IfExists alone would admit (as before, only tagged ones qualify).
        Statement(
            sid="CreateNetworkInterfaces",
            actions="ec2:CreateNetworkInterface",
            resources=[scope.arn("ec2", f"{kind}/*") for kind in ("network-interface", "subnet", "security-group")],
            condition={"StringEqualsIfExists": {"aws:ResourceTag/Environment": env}},
        ),
        Statement(
            sid="NoNetworkInterfacesInUntaggedNetworks",
            actions="ec2:CreateNetworkInterface",
            resources=[scope.arn("ec2", "subnet/*"), scope.arn("ec2", "security-group/*")],
            condition={"Null": {"aws:ResourceTag/Environment": "true"}},
            effect=Effect.DENY,
        ),
        Statement(
            sid="CreateServiceLinkedRoles",
            actions="iam:CreateServiceLinkedRole",
            resources=f"arn:{scope.partition}:iam::{scope.account_id}:role/aws-service-role/*",
            condition={"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLE_SERVICES)}},
        ),
        Statement(sid="UnscopedActions", actions=list(UNSCOPED_ACTIONS), resources="*"),
        *_domain_statements(scope),
        *role_statements(scope),
        Statement(
            sid="NeverTouchOtherEnvironmentsScalableTargets",
            actions="application-autoscaling:*",
            resources="*",
            condition=other_environment,
            effect=Effect.DENY,
        ),
        Statement(
            sid="NeverChangeCiAccess",
            actions="iam:*",
            resources=[
                scope.role_arn("healthtech-ci-*"),
                f"arn:{scope.partition}:iam::{scope.account_id}:policy/healthtech-ci-*",
                f"arn:{scope.partition}:iam::{scope.account_id}:oidc-provider/*",
            ],
            effect=Effect.DENY,
        ),
    ]


def _domain_statements(scope: DeployScope) -> list[Statement]:
    """Records of the environment's own name and its certificate's validation names, in any zone: the
    zone is made outside the stacks, so its id is unknown here (Route 53 developer guide, "Using IAM
    policy conditions for fine-grained access control", ChangeResourceRecordSetsNormalizedRecordNames).
    Certificates for that name only (ACM user guide, "Use condition keys with ACM": ``acm:DomainNames``,
    every name of a RequestCertificate, ArrayOfString); none for an environment that serves no name."""
    certificates = Statement(
        sid="RequestCertificatesForOwnNameOnly",
        actions="acm:RequestCertificate",
        resources="*",
        effect=Effect.DENY,
        # ForAnyValue with a negated operator: true when any requested name is not the environment's own.
        condition=({"ForAnyValue:StringNotEquals": {"acm:DomainNames": [scope.domain]}} if scope.domain else None),
    )
    if not scope.record_names:
        return [certificates]
    return [
        Statement(
            sid="ChangeOwnRecords",
            actions="route53:ChangeResourceRecordSets",
            resources=f"arn:{scope.partition}:route53:::hostedzone/*",
            condition={
                "ForAllValues:StringLike": {"route53:ChangeResourceRecordSetsNormalizedRecordNames": scope.record_names}
            },
        ),
        certificates,
    ]


# Statements on "Resource": "*", by Sid, with the reason components.compliance records for each.
ANY_RESOURCE_REASONS: dict[str, str] = {
    "ManageTaggedResources": (
        "EC2, KMS key, EFS and ACM ARNs hold generated ids, not names: scoped by the aws:ResourceTag/Environment "
        "condition instead (every resource carries the tag through the provider's default_tags)"
    ),
    "CreateTaggedResources": (
        "a create has no ARN before it exists: scoped by the aws:RequestTag/Environment condition instead"
    ),
    "UnscopedActions": UNSCOPED_REASON,
    "NeverRetagOtherEnvironments": (
        "a Deny of retagging any resource that carries another environment's tag, wherever it is"
    ),
    "NeverTouchOtherEnvironmentsScalableTargets": (
        "a Deny of any scaling change to a scalable target that carries another environment's tag"
    ),
    "RequestCertificatesForOwnNameOnly": (
        "a Deny of certificate requests for any name but the environment's own (acm:RequestCertificate has "
        "no resource type: the names are in the acm:DomainNames condition)"
    ),
}


def _services(actions: tuple[str, ...] | list[str]) -> str:
    return ", ".join(sorted({action.split(":", 1)[0] for action in actions}))


# parliament's findings on these statements that are deliberate, by (Sid, issue), each reason naming the
# services whose actions the finding lists (components.compliance.explain_lint, read by tooling.iam_lint).
DEPLOY_LINT_REASONS: dict[tuple[str, str], str] = {
    ("ManageNamedResources", "RESOURCE_MISMATCH"): (
        f"{_services([f'{s}:*' for s in NAMED_SERVICES])}: each service's * on the environment's own named "
        "ARNs only; its actions on other resource types (access grants, delivery sources, fleets, ...) or on "
        "* only find no resource here and are not granted, which is the scoping; those a deploy needs are "
        "in ManageTaggedResources, CreateTaggedResources or UnscopedActions"
    ),
    ("ManageTaggedResources", "RESOURCE_STAR"): (
        f"{_services([f'{s}:*' for s in TAGGED_SERVICES])}: their ARNs hold generated ids, not names, so the "
        "statement is on * and scoped by the aws:ResourceTag/Environment condition (every resource carries "
        "the tag through the provider's default_tags)"
    ),
    ("CreateTaggedResources", "RESOURCE_STAR"): (
        f"{_services(list(TAGGED_CREATES))}: a create has no ARN before it exists, and the tagging calls "
        "listed tag the resource being made: scoped by aws:RequestTag/Environment; retagging a resource of "
        "another environment is denied by NeverRetagOtherEnvironments"
    ),
    ("UnscopedActions", "RESOURCE_STAR"): "; ".join(f"{action}: {why}" for action, why in UNSCOPED_ACTIONS.items()),
}

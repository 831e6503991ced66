"""What no deploy role can make of its environment's roles: the boundary every one of them carries (made by
the state bootstrap, components/ci_access.py) and the deploy role's IAM statements on those roles, which
keep it on (components/ci_policies.deploy_statements includes them).

Sources: IAM user guide, "Permissions boundaries for IAM entities" and the example policy "IAM: Limits
managing to permissions boundary" (condition keys iam:PermissionsBoundary and iam:PolicyARN); the RDS
user guide, "Password management with Amazon RDS and AWS Secrets Manager", for the managed secret's tag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.iam import Effect, Statement
from config.naming import Kind, Namer

if TYPE_CHECKING:  # ci_policies imports role_statements from here
    from components.ci_policies import DeployScope, StateAccess

# AWS managed policies the environment's stack attaches to its roles (components/database.py): the only
# ones the deploy role may attach (iam:PolicyARN), so it can never attach AdministratorAccess.
ATTACHABLE_MANAGED_POLICIES = ("service-role/AmazonRDSEnhancedMonitoringRole",)
# Role actions that neither widen a role's permissions nor remove its boundary.
ROLE_UPKEEP_ACTIONS = (
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:DeleteRole",
    "iam:PassRole",
)
# Role actions that can widen what a role may do: allowed only while the role carries the boundary
# (IAM user guide, "Permissions boundaries for IAM entities", delegating with iam:PermissionsBoundary).
ROLE_WIDENING_ACTIONS = ("iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy")


def role_statements(scope: DeployScope) -> list[Statement]:
    """The environment's roles, each with the environment's permissions boundary: a role without it cannot
    be made, given a policy, or have it removed, and only the stack's AWS managed policies can be attached
    (IAM user guide, "Permissions boundaries for IAM entities" and the example policy "IAM: Limits managing
    to permissions boundary"; condition keys iam:PermissionsBoundary and iam:PolicyARN)."""
    # Both keys are ARN-typed (SAR, IAM, condition keys): compared with ArnEquals, not StringEquals.
    boundary = {"iam:PermissionsBoundary": scope.boundary_arn}
    managed = [f"arn:{scope.partition}:iam::aws:policy/{name}" for name in ATTACHABLE_MANAGED_POLICIES]
    return [
        Statement(sid="KeepEnvironmentRoles", actions=list(ROLE_UPKEEP_ACTIONS), resources=scope.environment_roles),
        Statement(
            sid="WidenOnlyBoundedRoles",
            actions=list(ROLE_WIDENING_ACTIONS),
            resources=scope.environment_roles,
            condition={"ArnEquals": boundary},
        ),
        Statement(
            sid="AttachOnlyTheStacksManagedPolicies",
            actions="iam:AttachRolePolicy",
            resources=scope.environment_roles,
            condition={"ArnEquals": {**boundary, "iam:PolicyARN": managed}},
        ),
        Statement(
            sid="NeverRemoveOrChangeTheBoundary",
            actions=[
                "iam:DeleteRolePermissionsBoundary",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
            ],
            resources=[scope.environment_roles, scope.boundary_arn],
            effect=Effect.DENY,
        ),
    ]


def boundary_statements(state: StateAccess, scope: DeployScope) -> list[Statement]:
    """The most any role of ``scope.environment`` may do, whatever its own policies say (the boundary).

    Never IAM beyond passing and reading the environment's own roles, never STS, Organizations or the
    account's settings; nothing that carries another environment's tag; no bucket but the environment's
    own; no secret but its database's managed master secret; never the state, its locks or its key."""
    env = scope.environment
    buckets = f"arn:{scope.partition}:s3:::healthtech-*-{env}-{scope.account_id}"
    database = scope.arn("rds", f"db:{Namer(env).name(Kind.POSTGRES)}")
    return [
        Statement(
            sid="EverythingButIdentity",
            actions=["iam:*", "sts:*", "organizations:*", "account:*"],
            resources="*",
            not_actions=True,
        ),
        Statement(sid="PassOwnRoles", actions=["iam:PassRole", "iam:GetRole"], resources=scope.environment_roles),
        Statement(
            sid="NothingOfOtherEnvironments",
            actions="*",
            resources="*",
            condition={
                "StringNotEquals": {"aws:ResourceTag/Environment": env},
                "Null": {"aws:ResourceTag/Environment": "false"},
            },
            effect=Effect.DENY,
        ),
        Statement(
            sid="NoBucketButOwn",
            actions="s3:*",
            resources=[buckets, f"{buckets}/*"],
            not_resources=True,
            effect=Effect.DENY,
        ),
        Statement(
            sid="NoSecretButOwnDatabases",
            actions="secretsmanager:*",
            resources="*",
            # RDS tags the master secret it manages with the instance's ARN (RDS user guide, "Password
            # management with Amazon RDS and AWS Secrets Manager").
            condition={"StringNotEquals": {"aws:ResourceTag/aws:rds:primaryDBInstanceArn": database}},
            effect=Effect.DENY,
        ),
        Statement(
            sid="NeverTheState",
            actions=["s3:*", "dynamodb:*", "kms:*"],
            resources=[state.bucket_arn, state.objects("*"), state.lock_table_arn, state.key_arn],
            effect=Effect.DENY,
        ),
    ]


# The boundary's statements on "Resource": "*": the boundary is a ceiling, not a grant.
BOUNDARY_ANY_RESOURCE_REASONS: dict[str, str] = {
    "EverythingButIdentity": (
        "a permissions boundary only caps the role's own policies: every service but IAM, STS, Organizations "
        "and the account's settings, narrowed by the Deny statements beside it"
    ),
    "NothingOfOtherEnvironments": "a Deny of anything that carries another environment's tag",
    "NoSecretButOwnDatabases": "a Deny of every secret but the environment's database's managed master secret",
}
BOUNDARY_LINT_REASONS: dict[tuple[str, str], str] = {
    ("EverythingButIdentity", "RESOURCE_STAR"): (
        "a NotAction statement: parliament lists the iam, sts and organizations actions it excludes as if "
        "they were granted on *; the boundary allows every other action, a ceiling that the role's own "
        "policies narrow and the Deny statements beside it cap"
    ),
}

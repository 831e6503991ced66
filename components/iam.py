"""Small helpers for IAM documents, so every role and policy is written the same way."""

from __future__ import annotations

import json
import weakref
from typing import Any

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from components.aws_context import AwsContext


def policy_document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_role(
    scope: Construct,
    id: str,
    *,
    name: str,
    service: str,
    aws: AwsContext,
    description: str,
    source_arn: str | None = None,
) -> IamRole:
    """A role only ``service`` (e.g. ``ecs-tasks.amazonaws.com``) of this account can assume."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": aws.account_id}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return IamRole(
        scope,
        id,
        name=name,
        description=description,
        assume_role_policy=policy_document(
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                # Confused-deputy guard: the service may assume the role only on this account's behalf.
                "Condition": condition,
            }
        ),
    )


# Inline policies granted so far, by role object (read by policies_of); weak, so a finished app's
# roles (tests build many) leave nothing behind.
_GRANTED: weakref.WeakKeyDictionary[IamRole, list[IamRolePolicy]] = weakref.WeakKeyDictionary()


def grant(scope: Construct, id: str, *, role: IamRole, name: str, statements: list[dict[str, Any]]) -> IamRolePolicy:
    """Attach ``statements`` to ``role`` as one inline policy named ``name``."""
    policy = IamRolePolicy(scope, id, role=role.id, name=name, policy=policy_document(*statements))
    _GRANTED.setdefault(role, []).append(policy)
    return policy


def policies_of(role: IamRole) -> list[IamRolePolicy]:
    """The inline policies :func:`grant` has attached to ``role`` so far, so a resource that needs them
    in place when it is created (e.g. an ECS service and its execution role) can depend on them."""
    return list(_GRANTED.get(role, []))

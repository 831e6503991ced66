"""Patches to moto for running as the CI roles with IAM enforced (``/moto-api/reset-auth``).

Kept apart from tooling/moto_patches.py (the topology's gaps) and applied by the same launcher. Each
has a test in tests/tooling/test_moto_patches_iam.py that fails once upstream moto no longer needs it.
What none of them makes moto do, and the tests therefore assert on the synthesized JSON: verify a
token's signature against GitHub's keys, evaluate ``aws:ResourceTag``/``aws:RequestTag`` conditions,
``s3:prefix``, or any KMS permission (moto's S3 encrypts without asking KMS).
"""

from __future__ import annotations

import base64
import contextvars
import json
import re
import time
from collections.abc import Callable
from typing import Any

from tooling.moto_patches import ORIGINALS, PatchSet, _replace

_patch = PatchSet()
PATCHES = _patch.patches
apply_all = _patch.apply_all
WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
# The partition-key values of the DynamoDB request being authorized (read by the statement check).
_LEADING_KEYS: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("leading_keys", default=None)


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified (the local endpoint cannot fetch the issuer's keys)."""
    try:
        payload = token.split(".")[1]
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as error:
        raise ValueError("the web identity token is not a JWT") from error
    return claims


def _like(pattern: str, value: str) -> bool:
    """IAM's StringLike: ``*`` any characters, ``?`` one character, everything else literal."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value) is not None


def conditions_hold(conditions: dict[str, dict[str, Any]], context: dict[str, list[str]]) -> bool:
    """Evaluate ``StringEquals``/``StringLike`` (optionally ``ForAllValues:``) strictly: a missing key or
    any other operator fails the statement, unlike moto's own evaluator, which skips both."""
    for operator, keys in conditions.items():
        quantifier, _, test = operator.rpartition(":")
        if test not in ("StringEquals", "StringLike") or quantifier not in ("", "ForAllValues"):
            return False
        match = (lambda p, v: p == v) if test == "StringEquals" else _like
        for key, expected in keys.items():
            patterns = [expected] if isinstance(expected, str) else list(expected)
            values = context.get(key)
            if values is None:
                return False
            if not all(any(match(p, v) for p in patterns) for v in values):
                return False
    return True


def trust_allows(trust_policy: dict[str, Any], provider_arn: str, context: dict[str, list[str]]) -> bool:
    """Whether ``trust_policy`` lets a token of ``provider_arn`` with ``context`` assume the role."""
    allowed = False
    statements = trust_policy["Statement"]
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", [])
        if not any(_like(a, WEB_IDENTITY_ACTION) for a in ([actions] if isinstance(actions, str) else actions)):
            continue
        federated = (statement.get("Principal") or {}).get("Federated", [])
        if provider_arn not in ([federated] if isinstance(federated, str) else federated):
            continue
        if conditions_hold(statement.get("Condition") or {}, context):
            if statement.get("Effect") == "Deny":
                return False
            allowed = True
    return allowed


@_patch
def sts_assume_role_with_web_identity() -> None:
    """AssumeRoleWithWebIdentity works with IAM enforced, and only as IAM's trust rules allow.

    AWS takes this call unsigned (STS API reference: it "does not require the use of AWS security
    credentials"); with ``INITIAL_NO_AUTH_ACTION_COUNT`` reached, moto authenticates it like a signed call,
    finds no ``Authorization`` header and answers HTTP 500. moto also issues credentials for any role,
    token and trust policy. Here the call is not authenticated, and the token must name an OIDC provider
    of the account (``iss``), one of its client ids (``aud``), be unexpired, and satisfy the role's trust
    policy with every claim as ``{provider}:{claim}``; otherwise ``InvalidIdentityToken`` or
    ``AccessDenied``, as AWS answers. Not checked: the token's signature.
    """
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.models import iam_backends
    from moto.sts.exceptions import STSClientError
    from moto.sts.responses import TokenResponse

    def authenticate(self: Any, resource: str = "*") -> None:
        if self._get_action() != "AssumeRoleWithWebIdentity":
            # TokenResponse inherits the check (moto defines it on a mixin): call that one.
            ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, resource)

    def assume_role_with_web_identity(self: Any) -> Any:
        iam = iam_backends[self.current_account][self.partition]
        try:
            claims = token_claims(self._get_param("WebIdentityToken") or "")
        except ValueError as error:
            raise STSClientError("InvalidIdentityToken", str(error)) from error
        issuer = str(claims.get("iss", "")).removeprefix("https://")
        provider = next((p for p in iam.open_id_providers.values() if p.url == issuer), None)
        if provider is None:
            message = f"No OpenIDConnect provider found in your account for {issuer}"
            raise STSClientError("InvalidIdentityToken", message)
        audiences = claims.get("aud", [])
        audiences = [audiences] if isinstance(audiences, str) else audiences
        if not set(audiences) & set(provider.client_id_list):
            raise STSClientError("InvalidIdentityToken", "Incorrect token audience")
        if float(claims.get("exp", 0)) < time.time():
            raise STSClientError("ExpiredTokenException", "Token expired")
        role_arn = self._get_param("RoleArn")
        try:
            trust = json.loads(iam.get_role_by_arn(role_arn).assume_role_policy_document)
        except Exception as error:  # moto raises its own IAMNotFoundException
            raise STSClientError("AccessDenied", f"Not authorized to perform {WEB_IDENTITY_ACTION}") from error
        context = {
            f"{provider.url}:{claim}": [value] if isinstance(value, str) else [str(v) for v in value]
            for claim, value in claims.items()
            if isinstance(value, (str, list))
        }
        if not trust_allows(trust, provider.arn, context):
            raise STSClientError("AccessDenied", f"Not authorized to perform {WEB_IDENTITY_ACTION}")
        return ORIGINALS[(TokenResponse, "assume_role_with_web_identity")](self)

    _replace(TokenResponse, "_authenticate_and_authorize_normal_action", authenticate)
    _replace(TokenResponse, "assume_role_with_web_identity", assume_role_with_web_identity)


@_patch
def dynamodb_authorizes_on_the_table() -> None:
    """DynamoDB item calls are authorized on the table's ARN, with ``dynamodb:LeadingKeys`` evaluated.

    moto authorizes every DynamoDB call on ``*``, so a policy naming the lock table's ARN denied each
    lock (and a policy on ``*`` would allow every table), and it skips the ``ForAllValues:StringLike``
    condition on ``dynamodb:LeadingKeys`` that keeps each deploy role to its environment's lock items.
    Here a call naming ``TableName`` is checked against that table's ARN, and an Allow statement whose
    condition tests ``dynamodb:LeadingKeys`` applies only when the request's partition key meets it
    (DynamoDB developer guide, "Using IAM policy conditions for fine-grained access control").
    """
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.responses import DynamoHandler
    from moto.iam.access_control import IAMPolicy, IAMRequestBase

    def determine_resource(self: Any) -> str:
        # The handler has parsed the request by now (``self.body`` may already be a dict).
        body = self.body if isinstance(self.body, dict) else json.loads(self.body or "{}")
        name = body.get("TableName")
        if not name:
            return "*"
        return f"arn:{self.partition}:dynamodb:{self.region}:{self.current_account}:table/{name}"

    def leading_keys(request: Any) -> list[str] | None:
        if not request._action.startswith("dynamodb:"):
            return None
        body = json.loads(request._body or b"{}")
        item = body.get("Key") or body.get("Item")
        if not item or "TableName" not in body:
            return None
        try:
            table = dynamodb_backends[request.account_id][request._region].get_table(body["TableName"])
        except Exception:  # no such table: DynamoDB itself answers that once authorized
            return None
        value = item.get(table.hash_key_attr, {})
        return [str(next(iter(value.values())))] if value else None

    def check_action_permitted(self: Any, resource: str) -> None:
        token = _LEADING_KEYS.set(leading_keys(self))
        try:
            ORIGINALS[(IAMRequestBase, "check_action_permitted")](self, resource)
        finally:
            _LEADING_KEYS.reset(token)

    def unmet(statement: dict[str, Any], keys: list[str]) -> bool:
        conditions = statement.get("Condition") or {}
        tested = {key for by_key in conditions.values() for key in by_key}
        return (
            statement.get("Effect") == "Allow"
            and "dynamodb:LeadingKeys" in tested
            and not conditions_hold(conditions, {"dynamodb:LeadingKeys": keys})
        )

    def is_action_permitted(self: Any, *args: Any, **kwargs: Any) -> Any:
        original = ORIGINALS[(IAMPolicy, "is_action_permitted")]
        keys = _LEADING_KEYS.get()
        if keys is None:
            return original(self, *args, **kwargs)
        document = self._policy_json
        statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        self._policy_json = {**document, "Statement": [s for s in statements if not unmet(s, keys)]}
        try:
            return original(self, *args, **kwargs)
        finally:
            self._policy_json = document

    _replace(DynamoHandler, "_determine_resource", determine_resource)
    _replace(IAMRequestBase, "check_action_permitted", check_action_permitted)
    _replace(IAMPolicy, "is_action_permitted", is_action_permitted)


# IAM's action for each S3 bucket subresource a Terraform refresh or apply calls, where moto's own map
# (moto.s3.responses.ACTION_MAP) has none or another name (Service Authorization Reference, Amazon S3).
S3_BUCKET_ACTIONS: dict[str, dict[str, str]] = {
    "HEAD": {"DEFAULT": "ListBucket"},  # HeadBucket is authorized as s3:ListBucket
    "GET": {
        "publicAccessBlock": "GetBucketPublicAccessBlock",
        "encryption": "GetEncryptionConfiguration",
        "ownershipControls": "GetBucketOwnershipControls",
        "object-lock": "GetBucketObjectLockConfiguration",
        "replication": "GetReplicationConfiguration",
        "requestPayment": "GetBucketRequestPayment",
        "intelligent-tiering": "GetIntelligentTieringConfiguration",
    },
    "PUT": {
        "publicAccessBlock": "PutBucketPublicAccessBlock",
        "encryption": "PutEncryptionConfiguration",
        "ownershipControls": "PutBucketOwnershipControls",
        "object-lock": "PutBucketObjectLockConfiguration",
        "replication": "PutReplicationConfiguration",
    },
    "DELETE": {
        "publicAccessBlock": "PutBucketPublicAccessBlock",
        "encryption": "PutEncryptionConfiguration",
        "ownershipControls": "PutBucketOwnershipControls",
        "replication": "PutReplicationConfiguration",
    },
}


@_patch
def s3_bucket_calls_use_iam_action_names() -> None:
    """S3 bucket calls are authorized under IAM's action names.

    moto authorizes HeadBucket as ``s3:HeadBucket`` (IAM: ``s3:ListBucket``), and the encryption,
    ownership controls, object lock, replication and request payment reads as ``s3:ListBucket`` (its
    default for a GET it does not map), so a policy written for AWS was refused on a plan's refresh,
    and one granting ``s3:ListBucket`` could read them all. The public access block reads under
    ``s3:GetPublicAccessBlock`` (IAM: ``s3:GetBucketPublicAccessBlock``).
    """
    from moto.s3 import responses

    original = ORIGINALS.get((responses, "ACTION_MAP"), responses.ACTION_MAP)
    bucket = {
        method: {
            **{k: v for k, v in actions.items() if k != "public_access_block"},
            **S3_BUCKET_ACTIONS.get(method, {}),
        }
        for method, actions in original["BUCKET"].items()
    }
    _replace(responses, "ACTION_MAP", {**original, "BUCKET": bucket})


def _request(handler: Any) -> dict[str, Any]:
    """The JSON body of the request ``handler`` is about to authorize (moto may have parsed it already)."""
    body = handler.body
    if isinstance(body, dict):
        return body
    try:
        parsed = json.loads(body or "{}")
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _arn_prefix(handler: Any, service: str) -> str:
    return f"arn:{handler.partition}:{service}:{handler.region}:{handler.current_account}"


def _ecr_resource(handler: Any, body: dict[str, Any]) -> str:
    name = body.get("repositoryName")
    return f"{_arn_prefix(handler, 'ecr')}:repository/{name}" if name else "*"


def _logs_resource(handler: Any, body: dict[str, Any]) -> str:
    group, stream = body.get("logGroupName"), body.get("logStreamName")
    if not group:
        return "*"
    group_arn = f"{_arn_prefix(handler, 'logs')}:log-group:{group}"
    return f"{group_arn}:log-stream:{stream}" if stream else group_arn


def _secret_resource(handler: Any, body: dict[str, Any]) -> str:
    secret_id = body.get("SecretId")
    if not secret_id:
        return "*"
    try:
        arn: str = handler.backend.describe_secret(secret_id).arn
    except Exception:  # no such secret: Secrets Manager answers that once authorized
        return "*"
    return arn


def _ecs_resource(handler: Any, body: dict[str, Any]) -> str:
    cluster = str(body.get("cluster", "default")).rsplit("/", 1)[-1]
    services = body.get("services") or ([body["service"]] if body.get("service") else [])
    if services:
        return f"{_arn_prefix(handler, 'ecs')}:service/{cluster}/{str(services[0]).rsplit('/', 1)[-1]}"
    if body.get("resourceArn"):
        return str(body["resourceArn"])
    if body.get("tasks"):  # DescribeTasks: the task, task/CLUSTER/ID
        return f"{_arn_prefix(handler, 'ecs')}:task/{cluster}/{str(body['tasks'][0]).rsplit('/', 1)[-1]}"
    definition = str(body.get("taskDefinition", ""))
    if definition and handler._get_action() == "RunTask":  # the task definition revision it starts
        revision = definition.rsplit("/", 1)[-1]
        return f"{_arn_prefix(handler, 'ecs')}:task-definition/{revision}"
    return "*"  # RegisterTaskDefinition, DescribeTaskDefinition: no resource-level permission in IAM


def _codebuild_resource(handler: Any, body: dict[str, Any]) -> str:
    project = body.get("projectName") or next(iter(body.get("ids") or []), "").split(":", 1)[0]
    return f"{_arn_prefix(handler, 'codebuild')}:project/{project}" if project else "*"


# Response class (module, name) -> how the ARN IAM authorizes a call on is read from its request. Only the
# calls the runtime roles make (tests/integration/test_runtime_roles.py) are mapped.
RESOURCE_OF: dict[tuple[str, str], Callable[[Any, dict[str, Any]], str]] = {
    ("moto.ecr.responses", "ECRResponse"): _ecr_resource,
    ("moto.logs.responses", "LogsResponse"): _logs_resource,
    ("moto.secretsmanager.responses", "SecretsManagerResponse"): _secret_resource,
    ("moto.ecs.responses", "EC2ContainerServiceResponse"): _ecs_resource,
    ("moto.codebuild.responses", "CodeBuildResponse"): _codebuild_resource,
}


@_patch
def runtime_calls_authorize_on_their_resource() -> None:
    """ECR, CloudWatch Logs, Secrets Manager, ECS and CodeBuild calls are authorized on the resource's ARN.

    moto authorizes every call of these services on ``*``, so a statement naming the repository, log
    group, secret, service or project denied the very call it allows, and one on ``*`` allowed every
    resource. Here each call is checked against the ARN the Service Authorization Reference names for it
    (repository; ``log-group:NAME`` or ``log-group:NAME:log-stream:STREAM``; the secret's ARN; the service
    ``service/CLUSTER/NAME``, the task ``task/CLUSTER/ID``, the revision ``RunTask`` starts; the
    project), ``*`` for the calls IAM authorizes on no resource (``ecr:GetAuthorizationToken``,
    ``ecs:RegisterTaskDefinition``).
    """
    import importlib

    for (module_name, class_name), resource_of in RESOURCE_OF.items():
        handler_class = getattr(importlib.import_module(module_name), class_name)

        def determine_resource(self: Any, _of: Callable[[Any, dict[str, Any]], str] = resource_of) -> str:
            return _of(self, _request(self))

        _replace(handler_class, "_determine_resource", determine_resource)

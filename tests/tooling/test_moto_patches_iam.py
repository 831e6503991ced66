"""The moto patches for IAM-enforced runs (tooling/moto_patches_iam.py): each scenario, and an
``upstream_still_needs`` twin that fails once moto closes the gap (then delete the patch and both)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError
from moto.dynamodb.responses import DynamoHandler
from moto.iam.access_control import IAMPolicy, IAMRequestBase
from moto.s3 import responses as s3_responses
from moto.sts.responses import TokenResponse

from config.ci import GITHUB_OIDC_HOST, GITHUB_OIDC_URL, STS_AUDIENCE
from tests.github_tokens import assume, client, enforce_iam, github_token
from tests.tooling.test_moto_patches import client as admin_client
from tests.tooling.test_moto_patches import endpoint as moto_endpoint
from tests.tooling.test_moto_patches import unpatch
from tooling import moto_patches_iam
from tooling.moto_patches_iam import conditions_hold, token_claims

__all__ = ["admin_client", "moto_endpoint"]  # fixtures shared with test_moto_patches
# moto serializes an STS error code its service model lacks (AccessDenied, as AWS answers) with a warning.
pytestmark = pytest.mark.filterwarnings("ignore:Exception\\(STSClientError\\) with code AccessDenied")
SUB = "repo:acme/app:environment:dev"
TABLE_ARN = "arn:aws:dynamodb:eu-south-1:123456789012:table/locks"


@pytest.fixture(scope="module")
def endpoint(moto_endpoint: str) -> str:
    moto_patches_iam.apply_all()
    moto_patches_iam.apply_all()  # idempotent
    return moto_endpoint


def _github_role(iam: Any, name: str, statements: list[dict[str, Any]]) -> str:
    """A role ``SUB``'s GitHub tokens may assume (GitHub's provider made first), allowed ``statements``."""
    provider = iam.create_open_id_connect_provider(Url=GITHUB_OIDC_URL, ClientIDList=[STS_AUDIENCE])
    trust = {
        "Effect": "Allow",
        "Principal": {"Federated": provider["OpenIDConnectProviderArn"]},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE, f"{GITHUB_OIDC_HOST}:sub": SUB}},
    }
    document = json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=policy)
    return arn


@pytest.fixture
def role(endpoint: str, admin_client: Any) -> Iterator[str]:
    """A role trusting ``SUB``'s GitHub tokens, allowed dev's lock items and a bucket's configuration; then
    IAM enforced for the test (and switched off again)."""
    allow: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:PutItem"],
            "Resource": TABLE_ARN,
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["state/dev/*"]}},
        },
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetEncryptionConfiguration"],
            "Resource": "arn:aws:s3:::ci-bucket",
        },
    ]
    arn = _github_role(admin_client("iam"), "ci", allow)
    admin_client("dynamodb").create_table(
        TableName="locks",
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3 = admin_client("s3")
    s3.create_bucket(Bucket="ci-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-south-1"})
    s3.put_bucket_encryption(
        Bucket="ci-bucket",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    enforce_iam(endpoint, on=True)
    try:
        yield arn
    finally:
        enforce_iam(endpoint, on=False)


def test_a_web_identity_token_assumes_only_the_role_its_claims_satisfy(endpoint: str, role: str) -> None:
    credentials = assume(endpoint, role, github_token(SUB))
    assert credentials["AccessKeyId"] and credentials["SessionToken"]
    for token, error in (
        (github_token("repo:acme/app:environment:prod"), "AccessDenied"),
        (github_token("repo:acme/app:pull_request"), "AccessDenied"),
        (github_token(SUB, aud="other"), "Incorrect token audience"),
        (github_token(SUB, iss="https://token.example"), "No OpenIDConnect provider"),
        (github_token(SUB, ttl=-60), "Token expired"),
        ("not-a-jwt", "not a JWT"),
    ):
        with pytest.raises(ClientError, match=error):
            assume(endpoint, role, token)


def test_upstream_still_needs_sts_assume_role_with_web_identity(
    endpoint: str, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    unpatch(monkeypatch, TokenResponse)
    # moto authenticates the unsigned call like a signed one and fails without an Authorization header.
    with pytest.raises(ResponseParserError, match="500 Internal Server Error"):
        assume(endpoint, role, github_token(SUB))


def test_dynamodb_items_are_authorized_on_the_table_and_their_partition_key(endpoint: str, role: str) -> None:
    dynamodb = client(endpoint, "dynamodb", assume(endpoint, role, github_token(SUB)))
    dynamodb.put_item(TableName="locks", Item={"LockID": {"S": "state/dev/terraform.tfstate"}})
    with pytest.raises(ClientError, match="403"):
        dynamodb.put_item(TableName="locks", Item={"LockID": {"S": "state/staging/terraform.tfstate"}})


def test_upstream_still_needs_dynamodb_authorizes_on_the_table(
    endpoint: str, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb = client(endpoint, "dynamodb", assume(endpoint, role, github_token(SUB)))
    for owner in (DynamoHandler, IAMRequestBase, IAMPolicy):
        unpatch(monkeypatch, owner)
    # moto authorizes on "*": the statement naming the table never matches.
    with pytest.raises(ClientError, match="403"):
        dynamodb.put_item(TableName="locks", Item={"LockID": {"S": "state/dev/terraform.tfstate"}})


def test_s3_bucket_calls_are_authorized_under_iam_action_names(endpoint: str, role: str) -> None:
    s3 = client(endpoint, "s3", assume(endpoint, role, github_token(SUB)))
    s3.head_bucket(Bucket="ci-bucket")  # IAM: s3:ListBucket
    rules = s3.get_bucket_encryption(Bucket="ci-bucket")["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.get_bucket_ownership_controls(Bucket="ci-bucket")  # not granted, so refused (moto read it as ListBucket)


def test_upstream_still_needs_s3_bucket_calls_use_iam_action_names(
    endpoint: str, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = client(endpoint, "s3", assume(endpoint, role, github_token(SUB)))
    unpatch(monkeypatch, s3_responses)
    with pytest.raises(ClientError, match="403"):
        s3.head_bucket(Bucket="ci-bucket")  # authorized as s3:HeadBucket, which IAM does not have


def test_conditions_are_evaluated_strictly() -> None:
    context = {"k": ["repo:a/b:pull_request"]}
    assert conditions_hold({"StringEquals": {"k": "repo:a/b:pull_request"}}, context)
    assert conditions_hold({"StringLike": {"k": "repo:a/*"}}, context)
    assert not conditions_hold({"StringLike": {"k": "repo:a/c*"}}, context)
    assert not conditions_hold({"StringEquals": {"missing": "x"}}, context)  # moto's own would pass it
    assert not conditions_hold({"StringNotEquals": {"k": "x"}}, context)  # unsupported: fails closed
    assert conditions_hold({"ForAllValues:StringLike": {"k": ["x", "repo:?/b:*"]}}, context)
    assert token_claims(github_token(SUB))["sub"] == SUB


# --- runtime calls authorized on their resource ----------------------------------------------------------

ACCOUNT_REGION = "eu-south-1:123456789012"


@pytest.fixture
def runtime_role(endpoint: str, admin_client: Any) -> Iterator[dict[str, str]]:
    """Credentials of a role allowed one repository, log group, secret, ECS service and CodeBuild project
    each (and ``*`` where IAM has no resource), with a twin of each resource it is not allowed."""
    for name in ("app", "other"):
        admin_client("ecr").create_repository(repositoryName=name)
        admin_client("logs").create_log_group(logGroupName=name)
        admin_client("secretsmanager").create_secret(Name=name, SecretString="s3cret")
    secret_arn = admin_client("secretsmanager").describe_secret(SecretId="app")["ARN"]
    allow: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Effect": "Allow", "Action": "ecr:DescribeImages", "Resource": f"arn:aws:ecr:{ACCOUNT_REGION}:repository/app"},
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:{ACCOUNT_REGION}:log-group:app:*",
        },
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn},
        {
            "Effect": "Allow",
            "Action": ["ecs:DescribeServices", "ecs:UpdateService"],
            "Resource": f"arn:aws:ecs:{ACCOUNT_REGION}:service/cluster/app",
        },
        {"Effect": "Allow", "Action": "ecs:DescribeTaskDefinition", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "codebuild:BatchGetBuilds",
            "Resource": f"arn:aws:codebuild:{ACCOUNT_REGION}:project/app",
        },
    ]
    arn = _github_role(admin_client("iam"), "runtime", allow)
    enforce_iam(endpoint, on=True)
    try:
        yield assume(endpoint, arn, github_token(SUB))
    finally:
        enforce_iam(endpoint, on=False)


def _runtime_calls(endpoint: str, credentials: dict[str, str]) -> None:
    """The allowed call of each service succeeds (or fails only past IAM), and its twin is refused."""
    ecr = client(endpoint, "ecr", credentials)
    assert ecr.get_authorization_token()["authorizationData"]
    assert ecr.describe_images(repositoryName="app")["imageDetails"] == []
    with pytest.raises(ClientError, match="AccessDenied"):
        ecr.describe_images(repositoryName="other")
    logs = client(endpoint, "logs", credentials)
    logs.create_log_stream(logGroupName="app", logStreamName="web/1")
    logs.put_log_events(
        logGroupName="app", logStreamName="web/1", logEvents=[{"timestamp": 1_700_000_000_000, "message": "hi"}]
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        logs.create_log_stream(logGroupName="other", logStreamName="web/1")
    secrets = client(endpoint, "secretsmanager", credentials)
    assert secrets.get_secret_value(SecretId="app")["SecretString"] == "s3cret"
    with pytest.raises(ClientError, match="AccessDenied"):
        secrets.get_secret_value(SecretId="other")
    ecs = client(endpoint, "ecs", credentials)
    with pytest.raises(ClientError, match="ClusterNotFoundException"):  # past IAM: there is no such cluster
        ecs.update_service(cluster="cluster", service="app", desiredCount=1)
    with pytest.raises(ClientError, match="AccessDenied"):
        ecs.update_service(cluster="cluster", service="other", desiredCount=1)
    with pytest.raises(ClientError, match="ClientException"):  # past IAM: no such task definition
        ecs.describe_task_definition(taskDefinition="app:1")
    codebuild = client(endpoint, "codebuild", credentials)
    assert codebuild.batch_get_builds(ids=["app:0b4e"])["builds"] == []  # allowed: no such build
    with pytest.raises(ClientError, match="AccessDenied"):
        codebuild.batch_get_builds(ids=["other:0b4e"])


def test_runtime_calls_are_authorized_on_their_resource(endpoint: str, runtime_role: dict[str, str]) -> None:
    _runtime_calls(endpoint, runtime_role)


@pytest.mark.parametrize("service", ["ecr", "logs", "secretsmanager", "ecs", "codebuild"])
def test_upstream_still_needs_runtime_calls_authorize_on_their_resource(
    endpoint: str, runtime_role: dict[str, str], monkeypatch: pytest.MonkeyPatch, service: str
) -> None:
    import importlib

    ((module_name, class_name),) = [k for k in moto_patches_iam.RESOURCE_OF if k[0] == f"moto.{service}.responses"]
    unpatch(monkeypatch, getattr(importlib.import_module(module_name), class_name))
    # moto authorizes on "*": the call the statement naming its resource allows is refused.
    with pytest.raises((AssertionError, ClientError), match="AccessDenied"):
        _runtime_calls(endpoint, runtime_role)

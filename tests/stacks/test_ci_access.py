"""The GitHub workflows' OIDC provider and roles in the synthesized state bootstrap.

What the local endpoint cannot show is asserted here on the JSON: the trust policies exactly, the tag
conditions, the KMS grants and the conditions moto does not evaluate (tests/integration/test_ci_roles.py
runs the roles where it can).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

from components.ci_read_actions import PLATFORM_READ_ACTIONS
from config import ENVIRONMENTS
from config.account import state_bucket, state_object_key
from config.ci import STS_AUDIENCE
from config.environments import GITHUB_REPOSITORY
from main import ENV_SELECT, main, synthesize
from stacks.state_bootstrap import BOOTSTRAP_STACK
from tests.policy.resources import resources
from tests.policy.test_iam import wildcard_problems
from tooling.moto_patches_iam import trust_allows

HOST = "token.actions.githubusercontent.com"
BUCKET = state_bucket(ENVIRONMENTS["dev"])


def _bootstrap(outdir: Path, environments: list[str]) -> dict[str, Any]:
    synthesize([ENVIRONMENTS[e] for e in environments], outdir, bootstrap_state_file=outdir.parent / "b.tfstate")
    doc: dict[str, Any] = json.loads((outdir / "stacks" / BOOTSTRAP_STACK / "cdk.tf.json").read_text())
    return doc


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _bootstrap(tmp_path_factory.mktemp("ci") / "cdktf.out", list(ENVIRONMENTS))


def _roles(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r.body["name"]: r.body for r in resources(doc, "aws_iam_role")}


def _policy(doc: dict[str, Any], role_name: str) -> dict[str, dict[str, Any]]:
    """The role's inline policy statements by Sid."""
    (role_id,) = [r.logical_id for r in resources(doc, "aws_iam_role") if r.body["name"] == role_name]
    (policy,) = [
        r.body for r in resources(doc, "aws_iam_role_policy") if r.body["role"] == f"${{aws_iam_role.{role_id}.id}}"
    ]
    return {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}


def test_the_oidc_provider_is_github_with_sts_as_audience_and_no_pinned_thumbprint(doc: dict[str, Any]) -> None:
    (provider,) = resources(doc, "aws_iam_openid_connect_provider")
    assert provider.body == {
        "url": "https://token.actions.githubusercontent.com",
        "client_id_list": ["sts.amazonaws.com"],
    }


def test_one_plan_role_and_one_deploy_role_per_environment_each_trusting_one_subject(doc: dict[str, Any]) -> None:
    (provider,) = resources(doc, "aws_iam_openid_connect_provider")
    subjects = {"healthtech-ci-plan": ("StringLike", GITHUB_REPOSITORY.pull_request_subject_pattern())}
    subjects |= {
        f"healthtech-ci-deploy-{e}": ("StringEquals", GITHUB_REPOSITORY.deploy_subject(e)) for e in ENVIRONMENTS
    }
    roles = _roles(doc)
    assert sorted(roles) == sorted(subjects)
    for name, (match, subject) in subjects.items():
        condition: dict[str, dict[str, str]] = {"StringEquals": {f"{HOST}:aud": STS_AUDIENCE}}
        condition.setdefault(match, {})[f"{HOST}:sub"] = subject
        assert json.loads(roles[name]["assume_role_policy"]) == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "GitHubOidcTokensOfThisRepository",  # what its iam_lint annotations name
                    "Effect": "Allow",
                    "Principal": {"Federated": f"${{{provider.address}.arn}}"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": condition,
                }
            ],
        }
    # The configured branches: a deploy role trusts a token of its environment's deploy branch only.
    for e in ENVIRONMENTS:
        branch = GITHUB_REPOSITORY.environment(e).branch
        assert GITHUB_REPOSITORY.deploy_subject(e).endswith(f":environment:{e}:ref:refs/heads/{branch}")


def _trusts(doc: dict[str, Any], role_name: str, sub: str, aud: str = STS_AUDIENCE) -> bool:
    """Whether the role's trust policy, evaluated as IAM does for StringEquals/StringLike, takes a token
    with ``sub`` and ``aud`` from the provider (the local endpoint's evaluator, tooling/moto_patches_iam.py)."""
    (provider,) = resources(doc, "aws_iam_openid_connect_provider")
    trust = json.loads(_roles(doc)[role_name]["assume_role_policy"])
    return trust_allows(trust, f"${{{provider.address}.arn}}", {f"{HOST}:sub": [sub], f"{HOST}:aud": [aud]})


def test_the_plan_role_takes_every_pull_requests_token_and_no_other(doc: dict[str, Any]) -> None:
    repo = GITHUB_REPOSITORY
    assert all(_trusts(doc, "healthtech-ci-plan", repo.pull_request_subject(n)) for n in (1, 42, 31337))
    other_repository = dataclasses.replace(repo, name=f"{repo.name}-fork")
    refused = [
        f"repo:{repo.full_name}:pull_request",  # the default template's subject
        repo.deploy_subject("dev"),  # a deploy job's token cannot plan
        other_repository.pull_request_subject(1),
        f"repo:{repo.full_name}:pull_request:ref:refs/heads/main",  # pull_request_target: the base branch's ref
        f"repo:{repo.full_name}:ref:refs/heads/main:ref:refs/heads/main",  # a push job in no environment
    ]
    assert [sub for sub in refused if _trusts(doc, "healthtech-ci-plan", sub)] == []
    assert not _trusts(doc, "healthtech-ci-plan", repo.pull_request_subject(1), aud="https://github.com/x")


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_a_deploy_role_takes_only_its_environments_token_from_its_deploy_branch(doc: dict[str, Any], env: str) -> None:
    repo = GITHUB_REPOSITORY
    role, branch = f"healthtech-ci-deploy-{env}", repo.environment(env).branch
    assert _trusts(doc, role, repo.deploy_subject(env))
    refused = [
        f"repo:{repo.full_name}:environment:{env}",  # the default template's: any branch
        f"repo:{repo.full_name}:environment:{env}:ref:refs/heads/{branch}-x",  # a pushed branch's dispatch
        f"repo:{repo.full_name}:environment:{env}:ref:refs/pull/1/merge",  # a pull request naming the environment
        f"repo:{repo.full_name}:environment:{env}:ref:refs/tags/v1",
        repo.pull_request_subject(1),
        *(repo.deploy_subject(other) for other in ENVIRONMENTS if other != env),
    ]
    assert [sub for sub in refused if _trusts(doc, role, sub)] == []


def test_a_bootstrap_of_one_selected_environment_keeps_every_deploy_role(tmp_path: Path) -> None:
    roles = _roles(_bootstrap(tmp_path / "cdktf.out", ["dev"]))
    assert sorted(roles) == sorted(["healthtech-ci-plan", *(f"healthtech-ci-deploy-{e}" for e in ENVIRONMENTS)])


def test_the_plan_role_reads_state_and_takes_locks_but_never_writes_state(doc: dict[str, Any]) -> None:
    statements = _policy(doc, "healthtech-ci-plan")
    (bucket_id,) = doc["resource"]["aws_s3_bucket"]
    (table_id,) = doc["resource"]["aws_dynamodb_table"]
    objects = f"${{aws_s3_bucket.{bucket_id}.arn}}/healthtech/*/terraform.tfstate"
    assert statements["ReadState"]["Action"] == "s3:GetObject" and statements["ReadState"]["Resource"] == objects
    assert statements["TakeStateLockfile"]["Resource"] == f"{objects}.tflock"
    lock = statements["TakeStateLock"]
    assert lock["Action"] == ["dynamodb:PutItem", "dynamodb:DeleteItem"]
    assert lock["Resource"] == f"${{aws_dynamodb_table.{table_id}.arn}}"
    # The lock item only: never the -md5 digest, which a state write updates.
    assert lock["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{BUCKET}/healthtech/*/terraform.tfstate"]}
    }
    never = statements["NeverWriteState"]
    assert never["Effect"] == "Deny" and never["Resource"] == objects and "s3:PutObject" in never["Action"]
    # The only S3 writes allowed are on the .tflock keys.
    writes = {
        s["Resource"] for s in statements.values() if s["Effect"] == "Allow" and "s3:PutObject" in _list(s["Action"])
    }
    assert writes == {f"{objects}.tflock"}
    assert statements["UseStateKey"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]


def _list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def test_the_platform_reads_hold_no_data_plane_read() -> None:
    data_reads = {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
        "logs:StartQuery",
        "secretsmanager:GetSecretValue",
        "dynamodb:GetItem",
        "dynamodb:Scan",
        "dynamodb:Query",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "kms:Decrypt",
        "rds-data:ExecuteStatement",
    }
    granted = {d for d in data_reads for pattern in PLATFORM_READ_ACTIONS if fnmatch.fnmatchcase(d, pattern)}
    assert granted == set()
    assert not any(a.endswith(":*") or a == "*" for a in PLATFORM_READ_ACTIONS)


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_each_deploy_role_reaches_only_its_environment(doc: dict[str, Any], env: str) -> None:
    statements = _policy(doc, f"healthtech-ci-deploy-{env}")
    key = state_object_key(ENVIRONMENTS[env])
    assert statements["WriteState"]["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert statements["WriteState"]["Resource"].endswith(f".arn}}/{key}")
    assert statements["TakeStateLockfile"]["Resource"].endswith(f".arn}}/{key}.tflock")
    for sid in ("ReadStateDigest", "TakeStateLock"):
        assert statements[sid]["Condition"] == {
            "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{BUCKET}/{key}", f"{BUCKET}/{key}-md5"]}
        }
    assert statements["ManageTaggedResources"]["Condition"] == {"StringEquals": {"aws:ResourceTag/Environment": env}}
    assert statements["CreateTaggedResources"]["Condition"] == {"StringEquals": {"aws:RequestTag/Environment": env}}
    named = statements["ManageNamedResources"]["Resource"]
    shared = [arn.split(":", 5)[5] for arn in named if f"-{env}" not in arn and f"/healthtech/{env}/" not in arn]
    # Besides the environment's own: AWS's managed WAF rule groups and RDS's default option groups.
    assert sorted(shared) == ["og:default:*", "regional/managedruleset/*/*"]
    text = json.dumps(statements)
    for other in set(ENVIRONMENTS) - {env}:
        assert f"-{other}" not in text and f"/{other}/" not in text
    never = statements["NeverChangeCiAccess"]
    assert never["Effect"] == "Deny" and never["Action"] == "iam:*"
    assert [r.rsplit(":", 1)[-1] for r in never["Resource"]] == [
        "role/healthtech-ci-*",
        "policy/healthtech-ci-*",
        "oidc-provider/*",
    ]


def test_every_any_resource_statement_of_the_ci_roles_has_a_reason(doc: dict[str, Any]) -> None:
    assert wildcard_problems(doc) == []


def test_outputs_name_the_roles_for_the_workflows(doc: dict[str, Any]) -> None:
    (plan_id,) = [r.logical_id for r in resources(doc, "aws_iam_role") if r.body["name"] == "healthtech-ci-plan"]
    assert doc["output"]["PlanRoleArn"]["value"] == f"${{aws_iam_role.{plan_id}.arn}}"
    assert sorted(doc["output"]["DeployRoleArns"]["value"]) == sorted(ENVIRONMENTS)


def test_a_placeholder_repository_fails_the_synth_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import main as app
    from config.ci import GitHubRepository

    monkeypatch.setattr(app, "GITHUB_REPOSITORY", GitHubRepository(owner="octo-org", name="octo-repo"))
    monkeypatch.chdir(tmp_path)
    assert main({ENV_SELECT: "dev"}) == 2
    err = capsys.readouterr().err
    assert "synth refused, nothing written" in err
    assert "ci.repository.owner: 'octo-org' is a documentation placeholder" in err
    assert "ci.repository.name: 'octo-repo' is a documentation placeholder" in err
    assert not (tmp_path / "cdktf.out").exists()


def test_a_bad_deploy_branch_fails_the_synth_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import main as app
    from config.ci import GitHubEnvironment

    bad = dataclasses.replace(GITHUB_REPOSITORY, environments={"staging": GitHubEnvironment(branch="refs/heads/main")})
    monkeypatch.setattr(app, "GITHUB_REPOSITORY", bad)
    monkeypatch.chdir(tmp_path)
    assert main({ENV_SELECT: "dev"}) == 2  # staging's branch is refused whichever environments are selected
    err = capsys.readouterr().err
    assert "synth refused, nothing written" in err
    assert "ci.repository.environments['staging'].branch: 'refs/heads/main' is not a branch name" in err
    assert not (tmp_path / "cdktf.out").exists()


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_a_deploy_role_cannot_retag_another_environments_resources(doc: dict[str, Any], env: str) -> None:
    retag = _policy(doc, f"healthtech-ci-deploy-{env}")["NeverRetagOtherEnvironments"]
    assert retag["Effect"] == "Deny" and "ec2:CreateTags" in retag["Action"] and "kms:TagResource" in retag["Action"]
    # Denied where the resource carries an Environment tag, and that tag is not this environment.
    assert retag["Condition"] == {
        "StringNotEquals": {"aws:ResourceTag/Environment": env},
        "Null": {"aws:ResourceTag/Environment": "false"},
    }


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_a_deploy_role_makes_network_interfaces_only_in_its_environments_subnets(doc: dict[str, Any], env: str) -> None:
    # CreateNetworkInterface authorizes the new interface (required), its subnet (required) and its security
    # groups: all three in one statement, the subnet and groups only with this environment's tag.
    statements = _policy(doc, f"healthtech-ci-deploy-{env}")
    create, untagged = statements["CreateNetworkInterfaces"], statements["NoNetworkInterfacesInUntaggedNetworks"]
    kinds = [arn.rsplit(":", 1)[1] for arn in create["Resource"]]
    assert create["Action"] == "ec2:CreateNetworkInterface" and create["Effect"] == "Allow"
    assert kinds == ["network-interface/*", "subnet/*", "security-group/*"]
    assert create["Condition"] == {"StringEqualsIfExists": {"aws:ResourceTag/Environment": env}}
    # IfExists alone would admit an untagged subnet or group (a default VPC's): the Deny refuses those.
    assert untagged["Effect"] == "Deny" and untagged["Action"] == "ec2:CreateNetworkInterface"
    assert [arn.rsplit(":", 1)[1] for arn in untagged["Resource"]] == ["subnet/*", "security-group/*"]
    assert untagged["Condition"] == {"Null": {"aws:ResourceTag/Environment": "true"}}


def test_the_plan_role_heads_only_the_platforms_buckets(doc: dict[str, Any]) -> None:
    head = _policy(doc, "healthtech-ci-plan")["HeadPlatformBuckets"]
    assert head["Action"] == "s3:ListBucket"
    assert head["Resource"] == "arn:${data.aws_partition.context_partition_B73F2326.partition}:s3:::healthtech-*"


def test_the_plan_role_reads_only_the_seeded_source_archives(doc: dict[str, Any]) -> None:
    # A refresh of the seed object (aws_s3_object) heads it and reads its tags; no other object is read.
    head = _policy(doc, "healthtech-ci-plan")["HeadSourceSeeds"]
    assert head["Action"] == ["s3:GetObject", "s3:GetObjectTagging"]
    assert head["Resource"] == (
        "arn:${data.aws_partition.context_partition_B73F2326.partition}:s3:::healthtech-artifacts-*/source/app.zip"
    )


def test_every_role_policy_fits_iams_inline_limit(doc: dict[str, Any]) -> None:
    # IAM: a role's inline policies may hold 10,240 characters in all, whitespace not counted; tokens stand
    # for a 12-digit account id or "aws-us-gov" at most.
    for policy in resources(doc, "aws_iam_role_policy"):
        document = json.loads(re.sub(r"\$\{[^}]*\}", "x" * 12, policy.body["policy"]))
        assert len(json.dumps(document, separators=(",", ":"))) < 10_240 - 500, policy.address  # room for a longer name

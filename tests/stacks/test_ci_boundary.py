"""What a deploy role cannot become: every role of its environment carries the environment's permissions
boundary, which the bootstrap makes and no deploy role can change, and no statement reaches another
environment through "*" where IAM can tell them apart (issue 23).

These are the documents; tests/integration/test_ci_roles.py runs the roles on the local endpoint where it
evaluates them. AWS documents cited in components/ci_policies.py and components/encryption.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.ci_boundary import ROLE_WIDENING_ACTIONS
from config import ENVIRONMENTS
from main import synthesize
from stacks.state_bootstrap import BOOTSTRAP_STACK
from tests.conftest import Synth
from tests.policy.resources import resources


def _tokens(doc: dict[str, Any]) -> tuple[str, str]:
    """The stack's partition and account id, as the interpolations its ARNs hold."""
    partition, caller = next(iter(doc["data"]["aws_partition"])), next(iter(doc["data"]["aws_caller_identity"]))
    return f"${{data.aws_partition.{partition}.partition}}", f"${{data.aws_caller_identity.{caller}.account_id}}"


@pytest.fixture(scope="module")
def bootstrap(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    outdir = tmp_path_factory.mktemp("boundary") / "cdktf.out"
    synthesize(list(ENVIRONMENTS.values()), outdir, bootstrap_state_file=outdir.parent / "b.tfstate")
    doc: dict[str, Any] = json.loads((outdir / "stacks" / BOOTSTRAP_STACK / "cdk.tf.json").read_text())
    return doc


def _deploy_statements(doc: dict[str, Any], env: str) -> list[dict[str, Any]]:
    (role_id,) = [
        r.logical_id for r in resources(doc, "aws_iam_role") if r.body["name"] == f"healthtech-ci-deploy-{env}"
    ]
    (policy,) = [
        r.body for r in resources(doc, "aws_iam_role_policy") if r.body["role"] == f"${{aws_iam_role.{role_id}.id}}"
    ]
    statements: list[dict[str, Any]] = json.loads(policy["policy"])["Statement"]
    return statements


def _by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements}


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


def _boundary_arn(doc: dict[str, Any], env: str) -> str:
    partition, account = _tokens(doc)
    return f"arn:{partition}:iam::{account}:policy/healthtech-ci-boundary-{env}"


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_every_role_of_an_environment_carries_its_boundary(synths: dict[str, Synth], env: str) -> None:
    doc = synths[env].doc
    roles = doc["resource"]["aws_iam_role"]
    expected = _boundary_arn(doc, env)
    assert len(roles) >= 5
    assert {name: role.get("permissions_boundary") for name, role in roles.items()} == dict.fromkeys(roles, expected)


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_the_bootstrap_makes_each_boundary_and_no_deploy_role_may_change_one(
    bootstrap: dict[str, Any], env: str
) -> None:
    (boundary,) = [
        r.body for r in resources(bootstrap, "aws_iam_policy") if r.body["name"] == f"healthtech-ci-boundary-{env}"
    ]
    ceiling = _by_sid(json.loads(boundary["policy"])["Statement"])
    partition, account = _tokens(bootstrap)
    # Everything but identity, then narrowed: never IAM beyond its own roles, nothing of another environment.
    assert ceiling["EverythingButIdentity"]["NotAction"] == ["iam:*", "sts:*", "organizations:*", "account:*"]
    assert ceiling["PassOwnRoles"]["Resource"] == f"arn:{partition}:iam::{account}:role/healthtech-*-{env}"
    assert ceiling["NothingOfOtherEnvironments"]["Condition"]["StringNotEquals"] == {"aws:ResourceTag/Environment": env}
    own = f"arn:{partition}:s3:::healthtech-*-{env}-{account}"
    assert ceiling["NoBucketButOwn"] == {
        "Sid": "NoBucketButOwn",
        "Effect": "Deny",
        "Action": "s3:*",
        "NotResource": [own, f"{own}/*"],
    }
    assert ceiling["NeverTheState"]["Effect"] == "Deny" and len(ceiling["NeverTheState"]["Resource"]) == 4
    state = [r.logical_id for r in resources(bootstrap, "aws_s3_bucket")]
    assert f"${{aws_s3_bucket.{state[0]}.arn}}" in ceiling["NeverTheState"]["Resource"]

    never = _by_sid(_deploy_statements(bootstrap, env))["NeverRemoveOrChangeTheBoundary"]
    assert never["Effect"] == "Deny" and "iam:DeleteRolePermissionsBoundary" in never["Action"]
    assert "iam:CreatePolicyVersion" in never["Action"] and _boundary_arn(bootstrap, env) in never["Resource"]


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_a_deploy_role_widens_a_role_only_with_the_boundary_and_attaches_only_the_stacks_policies(
    bootstrap: dict[str, Any], synths: dict[str, Synth], env: str
) -> None:
    statements = _deploy_statements(bootstrap, env)
    partition, account = _tokens(bootstrap)
    own_roles = f"arn:{partition}:iam::{account}:role/healthtech-*-{env}"
    # ArnEquals: iam:PermissionsBoundary is ARN-typed (SAR, IAM; tooling.iam_lint checks operator types).
    bounded = {"iam:PermissionsBoundary": _boundary_arn(bootstrap, env)}
    widening = {*ROLE_WIDENING_ACTIONS, "iam:AttachRolePolicy"}
    for statement in statements:
        if statement["Effect"] == "Allow" and (widening & set(_actions(statement)) or "iam:*" in _actions(statement)):
            assert "iam:*" not in _actions(statement), statement["Sid"]
            assert (
                statement["Resource"] == own_roles
                and statement["Condition"]["ArnEquals"].items() >= bounded.items()
                and "StringEquals" not in statement["Condition"]
            )
    by_sid = _by_sid(statements)
    assert set(_actions(by_sid["WidenOnlyBoundedRoles"])) == set(ROLE_WIDENING_ACTIONS)
    # What a deploy role may attach is exactly what the environments' stacks attach: never AdministratorAccess.
    attached = {
        a["policy_arn"].split(":iam::aws:policy/")[1]
        for synth in synths.values()
        for a in synth.resources("aws_iam_role_policy_attachment").values()
    }
    arns = by_sid["AttachOnlyTheStacksManagedPolicies"]["Condition"]["ArnEquals"]["iam:PolicyARN"]
    assert {arn.split(":iam::aws:policy/")[1] for arn in arns} == attached
    assert attached and "AdministratorAccess" not in attached


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_no_deploy_role_reaches_records_scaling_or_alarms_of_another_environment(
    bootstrap: dict[str, Any], env: str
) -> None:
    statements = _deploy_statements(bootstrap, env)
    partition, account = _tokens(bootstrap)
    by_sid = _by_sid(statements)
    anywhere = [a for s in statements if s["Effect"] == "Allow" and s.get("Resource") == "*" for a in _actions(s)]
    assert not [a for a in anywhere if a.startswith("route53:Change")]
    domain = ENVIRONMENTS[env].load_balancer.domain_name
    certificates = by_sid["RequestCertificatesForOwnNameOnly"]
    assert (certificates["Effect"], certificates["Action"], certificates["Resource"]) == (
        "Deny",
        "acm:RequestCertificate",
        "*",
    )
    if domain is None:
        assert "ChangeOwnRecords" not in by_sid
        assert not [a for s in statements for a in _actions(s) if a == "route53:ChangeResourceRecordSets"]
        assert "Condition" not in certificates  # no name to serve: no certificate to request
    else:
        names = by_sid["ChangeOwnRecords"]["Condition"]["ForAllValues:StringLike"]
        assert names == {"route53:ChangeResourceRecordSetsNormalizedRecordNames": [domain, f"_*.{domain}"]}
        # A certificate for the environment's own name and no other (another environment's, a wildcard).
        assert certificates["Condition"] == {"ForAnyValue:StringNotEquals": {"acm:DomainNames": [domain]}}
    # Scaling: any target but one another environment's tag marks.
    deny = by_sid["NeverTouchOtherEnvironmentsScalableTargets"]
    assert deny["Effect"] == "Deny" and deny["Action"] == "application-autoscaling:*"
    assert deny["Condition"]["StringNotEquals"] == {"aws:ResourceTag/Environment": env}
    # The target-tracking policy's alarms, which Application Auto Scaling makes with the caller's rights.
    named = by_sid["ManageNamedResources"]["Resource"]
    assert (
        f"arn:{partition}:cloudwatch:{ENVIRONMENTS[env].region}:{account}:alarm:TargetTracking-service/healthtech-cluster-{env}/*"
        in named
    )


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_key_policies_grant_no_wildcard_administration_and_grants_only_for_aws_resources(
    synths: dict[str, Synth], env: str
) -> None:
    keys = synths[env].resources("aws_kms_key")
    assert len(keys) >= 7
    for name, key in keys.items():
        statements = json.loads(key["policy"])["Statement"]
        for statement in statements:
            actions = _actions(statement)
            assert not [a for a in actions if a.startswith(("kms:Create*", "kms:Put*")) or a in ("kms:*", "*")], name
            if "kms:CreateGrant" in actions:
                assert statement["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}, name
        admin = _by_sid(statements)["AccountAdministersKeyThroughIam"]
        principals = admin["Principal"]["AWS"]
        assert isinstance(principals, list) and principals[1].endswith(f":role/healthtech-ci-deploy-{env}"), name
        assert "kms:PutKeyPolicy" in admin["Action"] and "kms:EnableKeyRotation" in admin["Action"]


def test_the_state_key_names_no_deploy_role(bootstrap: dict[str, Any]) -> None:
    (key,) = [r.body for r in resources(bootstrap, "aws_kms_key")]
    admin = _by_sid(json.loads(key["policy"])["Statement"])["AccountAdministersKeyThroughIam"]
    partition, account = _tokens(bootstrap)
    assert admin["Principal"] == {"AWS": f"arn:{partition}:iam::{account}:root"}

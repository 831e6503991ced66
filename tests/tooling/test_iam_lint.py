"""The IAM lint gate: parliament over every statement of every synthesized stack, with zero findings that
no annotation explains and no annotation that explains nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdktf
import pytest
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.provider import AwsProvider

from components.compliance import ANNOTATIONS, COMMENT, IAM_LINT, explain_lint
from config import ENVIRONMENTS
from config.naming import stack_name
from main import synthesize
from stacks.state_bootstrap import BOOTSTRAP_STACK
from tooling import iam_lint
from tooling.iam_lint import Stack, StackLint, lint_stack, policy_documents

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every environment and the state bootstrap, as the gate's command line synthesizes them."""
    out = tmp_path_factory.mktemp("iam-lint") / "cdktf.out"
    synthesize(list(ENVIRONMENTS.values()), out, bootstrap_state_file=out.parent / "b.tfstate")
    return out


@pytest.fixture(scope="module")
def docs(stack_docs: dict[str, Doc], outdir: Path) -> dict[str, Doc]:
    """The session's environment stacks (with their ``//`` comments) and the bootstrap, by stack name."""
    bootstrap = json.loads((outdir / "stacks" / BOOTSTRAP_STACK / "cdk.tf.json").read_text())
    return {**{stack_name(env): doc for env, doc in stack_docs.items()}, BOOTSTRAP_STACK: bootstrap}


def _lint(docs: dict[str, Doc], name: str, change: Callable[[Doc], None] | None = None) -> StackLint:
    doc = copy.deepcopy(docs[name])
    if change is not None:
        change(doc)
    return lint_stack(name, doc)


def _edit_policy(doc: Doc, tf_type: str, prefix: str, edit: Callable[[list[dict[str, Any]]], None]) -> str:
    """Apply ``edit`` to the statements of the one ``tf_type`` policy whose logical id starts with ``prefix``."""
    (logical_id,) = (k for k in doc["resource"][tf_type] if k.startswith(prefix))
    body = doc["resource"][tf_type][logical_id]
    document = json.loads(body["policy"])
    edit(document["Statement"])
    body["policy"] = json.dumps(document)
    return f"{tf_type}.{logical_id}"


def test_no_stack_has_an_unexplained_finding_or_a_stale_annotation(docs: dict[str, Doc]) -> None:
    assert sorted(docs) == sorted([*map(stack_name, ENVIRONMENTS), BOOTSTRAP_STACK])
    for name in docs:
        lint = _lint(docs, name)
        assert lint.problems() == []
        assert lint.statements > 60 and lint.findings  # parliament really read the stack's policies
        assert all(f.issue != "INVALID_ARN" for f in lint.findings)  # every stand-in parses as an ARN


def test_every_kind_of_policy_document_is_linted(docs: dict[str, Doc]) -> None:
    kinds = {(t, a) for doc in docs.values() for t, _, a, _ in policy_documents(doc)}
    assert kinds == {
        ("aws_iam_role_policy", "policy"),
        ("aws_iam_policy", "policy"),
        ("aws_iam_role", "assume_role_policy"),
        ("aws_kms_key", "policy"),
        ("aws_s3_bucket_policy", "policy"),
        ("aws_sns_topic_policy", "policy"),
        ("aws_efs_file_system_policy", "policy"),
    }


def test_interpolations_become_values_of_their_type(docs: dict[str, Doc]) -> None:
    dev = Stack("healthtech-dev", docs["healthtech-dev"])
    refs = {k.split("_")[0]: k for k in docs["healthtech-dev"]["resource"]["aws_s3_bucket"]}
    bucket = f"aws_s3_bucket.{refs['delivery']}"
    assert dev.resolve(f"${{{bucket}.bucket}}") == "healthtech-artifacts-dev-123456789012"  # a name, not an ARN
    assert dev.resolve(f"${{{bucket}.arn}}/*") == "arn:aws:s3:::healthtech-artifacts-dev-123456789012/*"
    (service,) = docs["healthtech-dev"]["resource"]["aws_ecs_service"]
    assert dev.resolve(f"${{aws_ecs_service.{service}.id}}") == (
        "arn:aws:ecs:eu-south-1:123456789012:service/healthtech-cluster-dev/healthtech-service-dev"
    )
    (database,) = docs["healthtech-dev"]["resource"]["aws_db_instance"]
    assert dev.resolve(f"dbuser:${{aws_db_instance.{database}.resource_id}}/app").startswith("dbuser:db-")
    with pytest.raises(ValueError, match=r"no stand-in for \$\{aws_db_instance\..*\.endpoint\}"):
        dev.resolve(f"${{aws_db_instance.{database}.endpoint}}")
    with pytest.raises(ValueError, match="names nothing in the stack"):
        dev.resolve("${aws_s3_bucket.gone.arn}")


def test_a_real_defect_is_reported(docs: dict[str, Doc]) -> None:
    """The flow-log role's DescribeLogGroups back on the log group (it takes only "*"), in its own statement."""
    address = ""

    def regress(doc: Doc) -> None:
        nonlocal address

        def edit(statements: list[dict[str, Any]]) -> None:
            write, find = statements
            find["Resource"] = write["Resource"]

        address = _edit_policy(doc, "aws_iam_role_policy", "network_flow-logs-policy", edit)

    lint = _lint(docs, "healthtech-dev", regress)
    assert [(f.address, f.sid, f.issue) for f in lint.unexplained] == [(address, "FindLogGroups", "RESOURCE_MISMATCH")]
    assert lint.problems() == [
        f"healthtech-dev: {address} Sid FindLogGroups: RESOURCE_MISMATCH: logs:DescribeLogGroups: "
        "no annotation explains it"
    ]


def test_a_condition_of_the_wrong_type_without_sid_is_reported_and_cannot_be_annotated(docs: dict[str, Doc]) -> None:
    def regress(doc: Doc) -> None:
        def edit(statements: list[dict[str, Any]]) -> None:
            (statement,) = statements
            statement["Condition"] = {"StringEquals": statement["Condition"]["ArnEquals"]}

        _edit_policy(doc, "aws_iam_role_policy", "file-storage_client-task-role", edit)

    (problem,) = _lint(docs, "healthtech-dev", regress).problems()
    assert "Sid (none): MISMATCHED_TYPE_BUT_USABLE: Type mismatch: StringEquals requires" in problem


def test_a_reason_must_name_every_service_the_finding_lists(docs: dict[str, Doc]) -> None:
    """An action of another service added to an annotated statement on "*" is not covered by the old reason."""

    def widen(doc: Doc) -> None:
        def edit(statements: list[dict[str, Any]]) -> None:
            (unscoped,) = (s for s in statements if s.get("Sid") == "UnscopedActions")
            unscoped["Action"].append("sns:Publish")

        _edit_policy(doc, "aws_iam_role_policy", "ci_deploy-dev-policy", edit)

    (problem,) = _lint(docs, BOOTSTRAP_STACK, widen).problems()
    assert "Sid UnscopedActions: RESOURCE_STAR:" in problem
    assert problem.endswith("the annotation's reason does not name sns")


def test_a_stale_annotation_is_reported(docs: dict[str, Doc]) -> None:
    """A key policy without the alias actions leaves its RESOURCE_MISMATCH annotation explaining nothing."""
    address = ""

    def tighten(doc: Doc) -> None:
        nonlocal address

        def edit(statements: list[dict[str, Any]]) -> None:
            admin = statements[0]
            admin["Action"] = [a for a in admin["Action"] if not a.endswith("Alias")]

        address = _edit_policy(doc, "aws_kms_key", "encryption_rds_key", edit)

    assert _lint(docs, "healthtech-dev", tighten).problems() == [
        f"healthtech-dev: {address} Sid AccountAdministersKeyThroughIam: the annotation of RESOURCE_MISMATCH is "
        "stale: parliament finds no RESOURCE_MISMATCH there"
    ]


def test_an_annotation_without_a_reason_is_refused(docs: dict[str, Doc]) -> None:
    stack = cdktf.TerraformStack(cdktf.App(), "test")
    AwsProvider(stack, "aws", region="eu-south-1")
    policy = IamRolePolicy(stack, "policy", role="r", policy="{}")
    for reason in ("", "by design"):
        with pytest.raises(ValueError, match="must explain the exception in at least 4 words"):
            explain_lint(policy, "UnscopedActions", "RESOURCE_STAR", reason)
    with pytest.raises(ValueError, match="Sid 'no-sid' must be letters and digits only"):
        explain_lint(policy, "no-sid", "RESOURCE_STAR", "a reason of enough words")
    with pytest.raises(ValueError, match="issue 'resource star' must be a parliament issue"):
        explain_lint(policy, "UnscopedActions", "resource star", "a reason of enough words")

    # Written by hand into the JSON, an empty reason explains nothing and is reported as such.
    def blank(doc: Doc) -> None:
        (key,) = (k for k in doc["resource"]["aws_kms_key"] if k.startswith("encryption_rds_key"))
        doc["resource"]["aws_kms_key"][key][COMMENT][ANNOTATIONS][IAM_LINT] = {
            "AccountAdministersKeyThroughIam": {"RESOURCE_MISMATCH": " "}
        }

    problems = _lint(docs, "healthtech-dev", blank).problems()
    assert len(problems) == 2
    assert problems[0].endswith("no annotation explains it") and problems[1].endswith("has no reason")


def test_command_line_lints_a_directory_and_exits_1_listing_each_problem(
    outdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert iam_lint.main([str(outdir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == sorted([*map(stack_name, ENVIRONMENTS), BOOTSTRAP_STACK])
    assert all(line.endswith("of them explained") for line in lines)
    broken = tmp_path / "cdktf.out" / "stacks" / "healthtech-dev"
    broken.mkdir(parents=True)
    doc = json.loads((outdir / "stacks" / "healthtech-dev" / "cdk.tf.json").read_text())
    for key in doc["resource"]["aws_kms_key"].values():
        key[COMMENT][ANNOTATIONS].pop(IAM_LINT)
    (broken / "cdk.tf.json").write_text(json.dumps(doc))
    assert iam_lint.main([str(tmp_path / "cdktf.out")]) == 1
    problems = capsys.readouterr().err.splitlines()
    assert len(problems) == 7 and all("AccountAdministersKeyThroughIam: RESOURCE_MISMATCH" in p for p in problems)

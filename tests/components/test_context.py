"""The stack context (components/context.py): built from the environment, and the one way components get
what every component of a stack shares."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup

from components.context import StackContext
from config import ENVIRONMENTS
from tests.components.conftest import BareStack

COMPONENTS = Path(__file__).resolve().parents[2] / "components"
# What the context carries: a component taking one of these itself is the pattern the context replaced.
SHARED = {field.name for field in dataclasses.fields(StackContext)}
# The keys precede the context (the logs key is one of them), and the state bootstrap stack has no
# environment; both take the namer and the lookups directly.
BEFORE_THE_CONTEXT = {"encryption.py", "aws_context.py", "bucket.py", "state_backend.py", "ci_access.py", "iam.py"}


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_context_carries_the_environments_protection_retention_and_adopted_values(environment: str) -> None:
    config = ENVIRONMENTS[environment]
    context = StackContext.of(config, namer=object(), aws=object(), logs_key=object())  # type: ignore[arg-type]
    assert (context.deletion_protection, context.force_destroy) == (config.deletion_protection, config.force_destroy)
    assert context.log_retention_days == config.observability.log_retention_days
    assert context.adopted is config.adopted
    assert (context.deletion_protection, context.force_destroy) == (
        (True, False) if environment == "prod" else (False, True)
    )


def test_a_log_group_gets_the_logs_key_and_the_environments_retention(bare_stack: Callable[..., BareStack]) -> None:
    bare = bare_stack("staging")
    context = bare.context
    context.log_group(bare.stack, "group", name="healthtech-example-staging")
    synth = bare.synth()
    group = synth.only(CloudwatchLogGroup.TF_RESOURCE_TYPE)
    assert group["name"] == "healthtech-example-staging"
    assert group["kms_key_id"] == synth.ref("logs-key/key", "arn")
    assert group["retention_in_days"] == ENVIRONMENTS["staging"].observability.log_retention_days


def _parameters(tree: ast.Module) -> dict[str, set[str]]:
    """Keyword parameters of every class's ``__init__`` and every module-level function, by name."""
    found: dict[str, set[str]] = {}
    for node in tree.body:
        functions = [node] if isinstance(node, ast.FunctionDef) else []
        if isinstance(node, ast.ClassDef):
            functions = [f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"]
            for function in functions:
                found[node.name] = {a.arg for a in function.args.kwonlyargs}
        else:
            for function in functions:
                found[function.name] = {a.arg for a in function.args.kwonlyargs}
    return found


def test_no_component_takes_what_the_context_carries_one_by_one() -> None:
    offenders = {
        f"{path.name}:{name}": sorted(taken & SHARED)
        for path in sorted(COMPONENTS.glob("*.py"))
        if path.name not in BEFORE_THE_CONTEXT | {"context.py"}
        for name, taken in _parameters(ast.parse(path.read_text())).items()
        if taken & SHARED
    }
    assert offenders == {}, "take `context: StackContext` instead"

"""The pull-request comment and its stateful guard on real plans of a deployed dev stack.

Four plans against dev as the upgrade left it (today's code applied over the previous layout's state, on
the upgrade's endpoint: the same resources as a first deploy of today's code), none applied: the same
code (no change), a change in place (backup retention), a database replacement forced by a config change
(``db_name`` cannot be updated), and a plan that fails (the state lock is held). The checked-in example
comment (docs/pr-comment-example.md, from tests/tooling/fixtures/pr_comment) must summarize like these
plans; ``HEALTHTECH_REFRESH_PR_EXAMPLE=1`` rewrites those fixtures from them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from config import ENVIRONMENTS, EnvironmentConfig, validate
from config.account import in_local_account, state_bucket
from config.naming import stack_name
from tests.integration.conftest import LOCAL_DOMAIN, LOCAL_ZONE, Upgrade
from tests.tooling.test_pr_comment import FIXTURES, shape
from tooling.plan_summary import ERROR_LOG, PLAN_JSON, PLAN_TEXT, Action, StatefulType, load
from tooling.pr_comment import OVERRIDE_LABEL, main, save_plan

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]
# Terraform's DynamoDB lock key for dev's state, in the local endpoint's account.
LOCK_ID = f"{state_bucket(in_local_account(DEV))}/{DEV.state.key_prefix}/dev/terraform.tfstate"


def _config(**database: object) -> EnvironmentConfig:
    """dev as deployed (local account, its domain in the local zone), with ``database`` settings changed."""
    local = in_local_account(DEV)
    config = dataclasses.replace(
        local,
        load_balancer=dataclasses.replace(local.load_balancer, domain_name=LOCAL_DOMAIN, hosted_zone=LOCAL_ZONE),
        database=dataclasses.replace(local.database, **database),  # type: ignore[arg-type]
    )
    validate(config, local=True)
    return config


def _save(deployed: Upgrade, cli: Path, work: Path, scenario: str, config: EnvironmentConfig) -> Path:
    from main import synthesize

    outdir = work / f"cdktf-{scenario}"
    synthesize([config], outdir, local_endpoint=deployed.server.url)
    lock_timeout = "0s" if scenario == "failed" else "60s"
    save_plan(outdir / "stacks" / stack_name(config.name), cli, work / "plans" / scenario, lock_timeout=lock_timeout)
    return work / "plans" / scenario


@pytest.fixture(scope="module")
def plans(upgrade: Upgrade, tf_cli_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pr-comment")
    _save(upgrade, tf_cli_config, work, "unchanged", _config())
    _save(upgrade, tf_cli_config, work, "in-place", _config(backup_retention_days=2))
    _save(upgrade, tf_cli_config, work, "replace-db", _config(database_name="healthtech_v2"))
    dynamodb = upgrade.client("dynamodb")
    held = {"ID": "5f0c", "Operation": "OperationTypeApply", "Who": "deployer@ci", "Version": "1.11.4", "Path": LOCK_ID}
    dynamodb.put_item(TableName=DEV.state.lock_table, Item={"LockID": {"S": LOCK_ID}, "Info": {"S": json.dumps(held)}})
    try:
        _save(upgrade, tf_cli_config, work, "failed", _config())
    finally:
        dynamodb.delete_item(TableName=DEV.state.lock_table, Key={"LockID": {"S": LOCK_ID}})
    return work / "plans"


def test_the_unchanged_code_plans_nothing(plans: Path) -> None:
    summary = load(plans / "unchanged")
    assert not summary.failed and summary.changes == () and summary.losses == ()
    assert "No changes." in (plans / "unchanged" / PLAN_TEXT).read_text()


def test_a_change_in_place_updates_the_database_and_loses_nothing(plans: Path) -> None:
    summary = load(plans / "in-place")
    assert [(c.type, c.action) for c in summary.changes] == [(StatefulType.DB_INSTANCE.value, Action.CHANGE)]
    assert summary.losses == ()
    assert "backup_retention_period" in (plans / "in-place" / PLAN_TEXT).read_text()


def test_a_new_database_name_replaces_the_database(plans: Path) -> None:
    summary = load(plans / "replace-db")
    (loss,) = summary.losses
    assert loss.stateful is StatefulType.DB_INSTANCE and loss.action is Action.REPLACE
    assert loss.forced_by == ("db_name",) and loss.reason == "replace_because_cannot_update"
    assert "must be replaced" in (plans / "replace-db" / PLAN_TEXT).read_text()


def test_a_held_lock_fails_the_plan_with_its_first_error_line(plans: Path) -> None:
    summary = load(plans / "failed")
    assert summary.error == "Error: Error acquiring the state lock"
    assert "deployer@ci" in (plans / "failed" / ERROR_LOG).read_text()
    assert not (plans / "failed" / PLAN_JSON).exists()


def test_the_comment_warns_and_the_check_fails_on_the_replacement(plans: Path, tmp_path: Path) -> None:
    only_replacement = tmp_path / "one"
    shutil.copytree(plans / "replace-db", only_replacement / "dev")
    out = tmp_path / "comment.md"
    assert main(["comment", str(only_replacement), "--output", str(out), "--revision", "abc1234"]) == 1
    body = out.read_text()
    warning = body.split("\n| environment")[0]
    assert "> **Stateful resources would be destroyed or replaced**" in warning
    assert "(database; forced by `db_name`)" in warning and "> - **dev**: replace `aws_db_instance." in warning
    assert "| dev | ⛔ destroys or replaces stateful resources | 0 | " in body
    assert "must be replaced" in body  # the readable plan, whole: it is small
    flag = "--allow-stateful-destroy"
    assert main(["comment", str(only_replacement), "--output", str(out), flag]) == 0
    assert f"the label `{OVERRIDE_LABEL}` is on this pull request: the check passes anyway" in out.read_text()


def test_a_failed_plan_fails_the_check_even_with_the_override(plans: Path, tmp_path: Path) -> None:
    out = tmp_path / "comment.md"
    assert main(["comment", str(plans), "--output", str(out), "--allow-stateful-destroy"]) == 1
    body = out.read_text()
    assert "| failed | ❌ failed: Error: Error acquiring the state lock | n/a | n/a | n/a | n/a | n/a |" in body
    assert "| unchanged | no changes | 0 | 0 | 0 | 0 | 0 |" in body
    assert "| in-place | changes | 0 | 1 | 0 | 0 | 0 |" in body


def test_the_checked_in_example_summarizes_like_these_plans(plans: Path) -> None:
    if os.environ.get("HEALTHTECH_REFRESH_PR_EXAMPLE") == "1":
        _refresh_fixtures(plans)
    for scenario in ("unchanged", "in-place", "replace-db", "failed"):
        assert shape(load(FIXTURES / scenario)) == shape(load(plans / scenario)), scenario


def _refresh_fixtures(plans: Path) -> None:
    """Copy the plans into the fixtures, the JSON cut to the fields tooling.plan_summary reads."""
    for scenario in sorted(p.name for p in plans.iterdir()):
        target = FIXTURES / scenario
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in (PLAN_TEXT, ERROR_LOG):
            if (plans / scenario / name).exists():
                (target / name).write_text((plans / scenario / name).read_text())
        if (plans / scenario / PLAN_JSON).exists():
            plan = json.loads((plans / scenario / PLAN_JSON).read_text())
            keep = ("address", "previous_address", "mode", "type", "name", "deposed", "action_reason")
            changes = [
                {
                    **{k: c[k] for k in keep if k in c},
                    "change": {k: c["change"][k] for k in ("actions", "replace_paths") if k in c["change"]},
                }
                for c in plan.get("resource_changes", [])
            ]
            (target / PLAN_JSON).write_text(_one_change_per_line(plan, changes))


def _one_change_per_line(plan: dict[str, object], changes: list[dict[str, object]]) -> str:
    """The trimmed plan as JSON with one resource change per line, so a fixture's diff reads like the plan."""
    head = ", ".join(f"{json.dumps(k)}: {json.dumps(plan[k])}" for k in ("format_version", "terraform_version"))
    lines = ",\n".join(f"  {json.dumps(c, sort_keys=True)}" for c in changes)
    return f'{{{head}, "resource_changes": [\n{lines}\n]}}\n'

"""The plan summary, the stateful guard and the comment's budget, on hand-made and checked-in plans."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tooling.plan_summary import (
    PLAN_JSON,
    Action,
    PlanFormatError,
    PlanSummary,
    StatefulType,
    first_error_line,
    load,
    summarize,
)
from tooling.pr_comment import GITHUB_COMMENT_LIMIT, MARKER, OVERRIDE_LABEL, blocking_reasons, main, read_plans, render

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "pr_comment"


def shape(summary: PlanSummary) -> tuple[Any, ...]:
    """What a plan does, without addresses (a refactor renames them): failure, counts, losses."""
    counts = sorted(Counter((c.type, c.action.value) for c in summary.changes).items())
    losses = sorted((c.type, c.action.value, c.forced_by) for c in summary.losses)
    return summary.error, counts, losses, summary.moved


EXAMPLE = FIXTURES / "example.md"
EXAMPLE_LIMIT = 12_000
"""The README's example is cut to this many bytes (not GitHub's 65,536) so it shows a cut plan and stays short."""
README_START, README_END = "<!-- pr-comment-example:start -->", "<!-- pr-comment-example:end -->"


def render_example() -> str:
    summaries, texts = read_plans(FIXTURES)
    artifact = "https://github.com/OWNER/REPO/actions/runs/RUN_ID"
    return render(summaries, texts, revision="0a1b2c3", artifact_url=artifact, override=False, limit=EXAMPLE_LIMIT)


def _change(address: str, *actions: str, **extra: Any) -> dict[str, Any]:
    tf_type = address.split(".")[-2]
    entry = {"address": address, "mode": "managed", "type": tf_type, "name": address.split(".")[-1]}
    return entry | {"change": {"actions": list(actions), **extra.pop("change", {})}} | extra


def _plan(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": list(changes)}


MIXED = _plan(
    _change("aws_vpc.network_vpc", "no-op"),
    _change("aws_ecs_service.compute_service", "update"),
    _change("aws_sns_topic.alarms_topic", "create"),
    _change("aws_iam_role.old_role", "delete"),
    _change("aws_ecs_task_definition.compute_task", "delete", "create"),  # replaced, not stateful
    _change(
        "aws_db_instance.database_instance",
        "delete",
        "create",
        change={"replace_paths": [["db_name"]]},
        action_reason="replace_because_cannot_update",
    ),
    _change("aws_kms_key.keys_efs", "create", "delete"),  # create before destroy: still the old key is gone
    _change("aws_s3_bucket.artifacts", "delete", deposed="a1b2c3d4"),
    _change("aws_efs_file_system.storage_fs", "no-op", previous_address="aws_efs_file_system.old_fs"),
    _change("aws_cloudwatch_log_group.app", "forget"),  # a `removed` block: the group stays in AWS
    {**_change("data.aws_iam_policy_document.x", "read"), "mode": "data"},
)


def test_each_action_is_counted_once_and_only_managed_changes_count() -> None:
    summary = summarize("prod", MIXED)
    counts = {a: summary.count(a) for a in Action}
    assert counts == {Action.ADD: 1, Action.CHANGE: 1, Action.DESTROY: 2, Action.REPLACE: 3}
    assert summary.moved == 1 and not summary.failed


def test_stateful_losses_are_found_by_type_not_by_address() -> None:
    losses = summarize("prod", MIXED).losses
    assert [(c.address, c.action, c.stateful) for c in losses] == [
        ("aws_db_instance.database_instance", Action.REPLACE, StatefulType.DB_INSTANCE),
        ("aws_kms_key.keys_efs", Action.REPLACE, StatefulType.KMS_KEY),
        ("aws_s3_bucket.artifacts (deposed)", Action.DESTROY, StatefulType.S3_BUCKET),
    ]
    assert losses[0].forced_by == ("db_name",) and losses[0].reason == "replace_because_cannot_update"
    renamed = _plan(_change("aws_db_instance.anything_at_all_9F", "delete"))  # a refactor's new address
    assert [c.stateful for c in summarize("dev", renamed).losses] == [StatefulType.DB_INSTANCE]


def test_an_update_of_a_database_is_not_a_loss() -> None:
    assert summarize("dev", _plan(_change("aws_db_instance.db", "update"))).losses == ()


def test_unknown_actions_and_non_plans_are_refused_with_the_field_named() -> None:
    with pytest.raises(PlanFormatError, match=r"dev: aws_vpc.v: unknown plan actions \['explode'\]"):
        summarize("dev", _plan(_change("aws_vpc.v", "explode")))
    with pytest.raises(PlanFormatError, match="not a `terraform show -json` plan"):
        summarize("dev", {"resource_changes": []})


def test_an_unreadable_or_missing_plan_is_a_failed_environment(tmp_path: Path) -> None:
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / PLAN_JSON).write_text("{not json")
    assert load(tmp_path / "dev").error is not None and "unreadable plan.json" in str(load(tmp_path / "dev").error)
    (tmp_path / "qa").mkdir()
    assert load(tmp_path / "qa").error == "no plan.json and no error.txt: the plan did not run"


def test_the_first_error_line_is_found_under_terraform_box_drawing() -> None:
    log = "terraform plan failed\n╷\n│ Error: No valid credential sources found\n│\n│ Please see ...\n╵\n"
    assert first_error_line(log) == "Error: No valid credential sources found"
    assert first_error_line("killed\n") == "killed" and first_error_line("") == "no output"


def _summaries(*names: str) -> list[PlanSummary]:
    return [summarize(n, _plan(_change("aws_ecs_service.s", "update"))) for n in names]


def test_huge_plans_are_cut_from_the_end_so_the_comment_fits_githubs_limit() -> None:
    line = '      ~ tag = "é…" -> "ü"  # multibyte, so bytes and characters differ\n'
    texts = {"dev": "small plan\n", "staging": "first resource\n" + line * 5000, "prod": line * 9000}
    body = render(_summaries("dev", "staging", "prod"), texts, revision="abc", artifact_url=None, override=False)
    assert len(body.encode()) <= GITHUB_COMMENT_LIMIT and len(body) <= GITHUB_COMMENT_LIMIT
    assert len(body.encode()) > GITHUB_COMMENT_LIMIT - 2 * len(line.encode())  # the budget is used, not wasted
    assert "```text\nsmall plan\n```" in body  # a small plan is kept whole
    assert "```text\nfirst resource\n" in body  # a cut plan keeps its beginning, where the resources are
    assert body.count("… plan cut to keep this comment under GitHub's limit: see artifact `plans`") == 2
    assert body.startswith(MARKER + "\n### Terraform plan for `abc`")
    assert body.endswith("Full readable plans (sensitive values redacted): artifact `plans` of this workflow run.\n")


def test_a_plan_cannot_close_the_code_fence_or_break_the_table() -> None:
    (summary,) = _summaries("dev")
    body = render([summary], {"dev": "a ```` b\n"}, revision="r", artifact_url=None, override=False)
    assert "`````text\na ```` b\n`````" in body
    failed = PlanSummary(environment="qa", error="Error: bad <value> | here\nsecond line")
    body = render([failed], {}, revision="r", artifact_url=None, override=False)
    assert "| qa | ❌ failed: Error: bad &lt;value&gt; \\| here second line | n/a |" in body


def test_the_check_fails_on_a_loss_unless_overridden_and_on_a_failed_plan_always() -> None:
    lossy = summarize("prod", MIXED)
    failed = PlanSummary(environment="qa", error="Error: boom")
    reasons = blocking_reasons([lossy], override=False)
    assert reasons[0] == (
        "prod: replace aws_db_instance.database_instance (database); "
        f"add the label '{OVERRIDE_LABEL}' only if this loss is intended"
    )
    assert len(reasons) == 3 and blocking_reasons([lossy], override=True) == []
    assert blocking_reasons([lossy, failed], override=True) == ["qa: plan failed: Error: boom"]


def test_comment_refuses_a_missing_plans_directory(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"comment: PLANS directory '.*nowhere' does not exist"):
        main(["comment", str(tmp_path / "nowhere")])
    with pytest.raises(SystemExit, match="holds no environment directories"):
        main(["comment", str(tmp_path)])


def test_the_checked_in_example_is_what_the_tool_writes_from_the_local_endpoint_plans() -> None:
    if os.environ.get("HEALTHTECH_REFRESH_PR_EXAMPLE") == "1":
        EXAMPLE.write_text(render_example())
    assert render_example() == EXAMPLE.read_text(), "refresh with HEALTHTECH_REFRESH_PR_EXAMPLE=1"
    assert len(EXAMPLE.read_text().encode()) <= EXAMPLE_LIMIT
    readme = (ROOT / "README.md").read_text()
    embedded = readme.split(README_START + "\n", 1)[1].split(README_END, 1)[0]
    assert embedded == EXAMPLE.read_text(), f"README: paste {EXAMPLE.relative_to(ROOT)} between the markers"


def test_plan_refuses_an_unknown_environment_before_synthesizing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "--out", str(tmp_path / "plans"), "qa"], environ={}) == 1
    err = capsys.readouterr().err
    assert err.startswith("plan refused: ") and "environment 'qa': unknown; allowed: dev, staging, prod" in err
    assert not (tmp_path / "plans").exists()

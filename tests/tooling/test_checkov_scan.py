"""checkov over every environment: zero failures that no suppression in code explains, and no suppression
that has no reason or that no longer matches a failure."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components.compliance import Suppression
from tooling import checkov_scan
from tooling.checkov_scan import Finding, StackScan, checkov_command, scan_stacks

DATA_TIER = ("aws_db_instance", "aws_efs_", "aws_cloudwatch_log_group", "aws_kms_")


def test_no_unexplained_checkov_failure_in_any_environment(checkov_scans: dict[str, StackScan]) -> None:
    assert sorted(checkov_scans) == ["dev", "prod", "staging"]
    for scan in checkov_scans.values():
        assert scan.problems() == []
        assert len(scan.passed) > 100  # checkov really parsed and checked the stack


def test_every_suppression_has_a_reason_and_a_failure_to_explain(checkov_scans: dict[str, StackScan]) -> None:
    for scan in checkov_scans.values():
        failing = {(f.address, f.check_id) for f in scan.failed}
        for suppression in scan.suppressions:
            assert suppression.reason.strip(), suppression
            assert (suppression.address, suppression.check_id) in failing, suppression


def test_prod_needs_no_exception_on_its_data_tier(checkov_scans: dict[str, StackScan]) -> None:
    prod = checkov_scans["prod"].suppressions
    assert [s for s in prod if s.address.startswith(DATA_TIER)] == []
    assert {s.check_id for s in checkov_scans["dev"].suppressions} >= {"CKV_AWS_157", "CKV_AWS_293", "CKV_AWS_338"}


def test_planted_problems_are_reported() -> None:
    failure = Finding("s", "aws_db_instance.db", "CKV_AWS_16", "Ensure all data stored in the RDS is encrypted")
    scan = StackScan(
        stack="s",
        passed=(),
        failed=(failure, Finding("s", "aws_vpc.v", "CKV2_AWS_11", "flow logs")),
        suppressions=(
            Suppression("aws_vpc.v", "CKV2_AWS_11", ""),
            Suppression("aws_lb.alb", "CKV_AWS_91", "access logs go to the observability bucket"),
        ),
    )
    assert scan.problems() == [
        "s: CKV_AWS_16 fails on aws_db_instance.db (Ensure all data stored in the RDS is encrypted) and no "
        "suppression explains it",
        "s: CKV2_AWS_11 fails on aws_vpc.v (flow logs) and no suppression explains it",
        "s: suppression of CKV_AWS_91 on aws_lb.alb is stale: the check does not fail there",
        "s: suppression of CKV2_AWS_11 on aws_vpc.v has no reason",
    ]


def test_a_real_regression_and_a_stale_suppression_are_found(stack_docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(stack_docs["dev"])
    (address,) = (f"aws_db_instance.{k}" for k in doc["resource"]["aws_db_instance"])
    database = next(iter(doc["resource"]["aws_db_instance"].values()))
    database["storage_encrypted"] = False  # a regression checkov must flag on this address
    database["multi_az"] = True  # makes the CKV_AWS_157 suppression stale
    scan = scan_stacks({"healthtech-dev": doc})["healthtech-dev"]
    assert [(f.address, f.check_id) for f in scan.unexplained] == [(address, "CKV_AWS_16")]
    assert [(s.address, s.check_id) for s in scan.stale] == [(address, "CKV_AWS_157")]


def test_command_line_summarizes_each_stack(
    synthesized_app: tuple,
    checkov_scans: dict[str, StackScan],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command scans the written stacks; the session's scan of the same documents stands in for a
    second checkov run (the fixture's tests check the scan itself)."""
    outdir, _ = synthesized_app
    scanned: list[str] = []

    def scan(docs: dict[str, dict[str, Any]]) -> dict[str, StackScan]:
        scanned.extend(docs)
        return {name: checkov_scans[name.removeprefix("healthtech-")] for name in docs}

    monkeypatch.setattr(checkov_scan, "scan_stacks", scan)
    assert checkov_scan.main([str(outdir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert scanned == ["healthtech-dev", "healthtech-prod", "healthtech-staging"]
    assert [line.split(":")[0] for line in lines] == scanned
    dev = checkov_scans["dev"]
    assert lines[0] == (
        f"healthtech-dev: {len(dev.passed)} passed, {len(dev.failed)} failed, "
        f"{len(dev.failed)} of them suppressed in code with a reason"
    )

    failure = Finding("healthtech-dev", "aws_vpc.v", "CKV2_AWS_11", "flow logs")
    monkeypatch.setattr(
        checkov_scan, "scan_stacks", lambda docs: {"healthtech-dev": StackScan("healthtech-dev", (), (failure,), ())}
    )
    assert checkov_scan.main([str(outdir)]) == 1
    assert "CKV2_AWS_11 fails on aws_vpc.v (flow logs) and no suppression explains it" in capsys.readouterr().err


def test_prepare_writes_the_input_the_gate_scans(synthesized_app: tuple, tmp_path: Path) -> None:
    outdir, _ = synthesized_app
    assert checkov_scan.main(["--prepare", str(tmp_path / "input"), str(outdir)]) == 0
    written = sorted(p.parent.name for p in (tmp_path / "input").glob("*/cdk.tf.json"))
    assert written == ["healthtech-dev", "healthtech-prod", "healthtech-staging"]
    dev = json.loads((tmp_path / "input" / "healthtech-dev" / "cdk.tf.json").read_text())
    # checkov_ready, nothing else dropped
    assert "required_version" not in dev["terraform"] and "moved" not in dev and dev["resource"]


def test_checkov_still_needs_the_required_version_workaround(synthesized_app: tuple, tmp_path: Path) -> None:
    """When this fails, checkov parses CDKTF's terraform block again: drop ``checkov_ready``."""
    outdir, _ = synthesized_app
    stack = outdir / "stacks" / "healthtech-dev" / "cdk.tf.json"
    doc = json.loads(stack.read_text())
    assert "required_version" in doc["terraform"]
    doc.pop("moved")  # the other key checkov cannot parse, tested on its own below
    (tmp_path / "cdk.tf.json").write_text(json.dumps(doc))
    result = subprocess.run(
        [checkov_command(), "--directory", str(tmp_path), *checkov_scan.CHECKOV_ARGS],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "this method receives only dicts" in result.stderr


def test_checkov_still_needs_the_moved_workaround(synthesized_app: tuple, tmp_path: Path) -> None:
    """When this fails, checkov parses the top-level ``moved`` list: stop dropping it in ``checkov_ready``."""
    outdir, _ = synthesized_app
    doc = json.loads((outdir / "stacks" / "healthtech-dev" / "cdk.tf.json").read_text())
    assert doc["moved"]
    doc["terraform"].pop("required_version")
    (tmp_path / "cdk.tf.json").write_text(json.dumps(doc))
    result = subprocess.run(
        [checkov_command(), "--directory", str(tmp_path), *checkov_scan.CHECKOV_ARGS],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0 and "Exception traceback" in result.stderr, result.stderr[-500:]


def test_a_directory_without_stacks_is_refused_without_a_traceback(tmp_path: Path) -> None:
    # Both gates' commands, run as CI runs them, with jsii's Node banner variables unset.
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_SILENCE_WARNING")}
    for module in ("tooling.checkov_scan", "tooling.iam_lint"):
        result = subprocess.run(
            [sys.executable, "-m", module, str(tmp_path)], capture_output=True, text=True, timeout=120, env=env
        )
        assert result.returncode == 2, (module, result.stderr[-2000:])
        message = f"{module.split('.')[1]}: no stacks in {tmp_path}/stacks; synthesize first (python main.py)\n"
        assert result.stderr == message, (module, result.stderr[-2000:])
        assert result.stdout == ""

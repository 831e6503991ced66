"""The per-environment make targets: what they run, and `make diff` for real in local mode."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from config import ENVIRONMENTS
from config.account import in_local_account, state_bucket
from tooling.local import bootstrap_state, free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
APP = '--app ".venv/bin/python main.py"'


def _make(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if shutil.which("make") is None:
        pytest.fail("make is not on PATH")
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def _dry(*args: str) -> str:
    result = _make("-n", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_diff_and_deploy_target_one_environment_stack() -> None:
    assert _dry("diff", "ENV=staging") == (
        f"npx --no-install cdktf diff healthtech-staging {APP} --output cdktf.out --skip-provider-lock"
    )
    assert _dry("deploy", "ENV=prod") == (
        f"npx --no-install cdktf deploy healthtech-prod {APP} --output cdktf.out --skip-provider-lock"
    )
    assert _dry("deploy", "AUTO_APPROVE=1").endswith(
        "healthtech-dev " + APP + " --output cdktf.out --skip-provider-lock --auto-approve"
    )


def test_local_mode_synthesizes_apart_from_the_real_aws_output() -> None:
    assert "--output .local/cdktf.out" in _dry("diff", "LOCAL=1")
    assert "--output cdktf.out" in _dry("synth")


def test_bootstrap_and_drift_targets() -> None:
    assert _dry("bootstrap").startswith("npx --no-install cdktf deploy healthtech-state-bootstrap")
    assert _dry("drift", "ENV=prod") == ".venv/bin/python -m tooling.drift prod"


def test_adopt_targets_name_the_stack_and_environment() -> None:
    assert _dry("adopt", "ENV=staging") == (
        ".venv/bin/python -m tooling.adopt --stack TapStackstaging --environment staging --outdir cdktf.out"
    )
    assert _dry("adopt", "STACK=Legacy", "LOCAL=1", "ADOPT_FLAGS=--apply-prerequisites") == (
        ".venv/bin/python -m tooling.adopt --stack Legacy --environment dev --outdir .local/cdktf.out "
        "--apply-prerequisites"
    )
    assert (
        _dry("adopt-retain") == ".venv/bin/python -m tooling.adopt --stack TapStackdev --environment dev --print-retain"
    )
    assert _dry("adopt-plan").splitlines()[-1] == (
        "terraform -chdir=cdktf.out/stacks/healthtech-dev plan -input=false -out=adopt.tfplan"
    )
    assert _dry("adopt-apply") == "terraform -chdir=cdktf.out/stacks/healthtech-dev apply -input=false adopt.tfplan"


@pytest.mark.cli
@pytest.mark.integration
def test_make_diff_of_dev_in_local_mode_plans_against_the_s3_backend(tmp_path: Path, tf_cli_config: Path) -> None:
    port = free_port()
    server = start_server(port, log_path=tmp_path / "moto.log")
    try:
        dev = in_local_account(ENVIRONMENTS["dev"])
        state = dev.state
        bootstrap_state(server.url, bucket=state_bucket(dev), lock_table=state.lock_table, region=state.region)
        result = _make(
            "diff",
            "ENV=dev",
            "LOCAL=1",
            f"PORT={port}",
            f"OUT={tmp_path / 'out'}",
            timeout=600,
            env={"TF_CLI_CONFIG_FILE": str(tf_cli_config), "CI": "1", "FORCE_COLOR": "0"},
        )
    finally:
        stop_server(server)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Plan:" in output and "to add, 0 to change, 0 to destroy" in output
    assert (tmp_path / "out" / "stacks" / "healthtech-dev" / "cdk.tf.json").is_file()


def _exported_gogc(environ: dict[str, str]) -> str:
    """GOGC as the Makefile exports it to the commands it runs (cdktf-cli, then terraform)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "--eval=print-gogc: ; @echo $$GOGC", "print-gogc"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
        check=True,
    )
    return result.stdout.strip()


def test_make_gives_terraform_the_python_tooling_s_collector_target_unless_one_is_set() -> None:
    from tooling.terraform_cli import GO_GC_PERCENT

    without = {k: v for k, v in os.environ.items() if k != "GOGC"}
    assert _exported_gogc(without) == GO_GC_PERCENT
    assert _exported_gogc(without | {"GOGC": "150"}) == "150"

"""Real Terraform (init against the provider mirror or registry, then validate) on every stack."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from config import ENVIRONMENTS
from config.naming import stack_name
from tooling.terraform_cli import terraform_env


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_terraform_validate_passes(
    environment: str, synthesized_app: tuple, tf_cli_config: Path, tmp_path: Path
) -> None:
    outdir, _ = synthesized_app
    stack_dir = tmp_path / environment
    shutil.copytree(outdir / "stacks" / stack_name(environment), stack_dir)
    env = terraform_env(tf_cli_config)
    init = subprocess.run(
        ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
        cwd=stack_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert init.returncode == 0, init.stderr
    result = subprocess.run(
        ["terraform", "validate", "-json", "-no-color"], cwd=stack_dir, env=env, capture_output=True, text=True
    )
    report = json.loads(result.stdout)
    assert report["valid"] is True, report["diagnostics"]
    assert report["error_count"] == 0 and report["warning_count"] == 0, report["diagnostics"]

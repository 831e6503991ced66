"""cdktf-cli (pinned in package.json) drives the same app: one stack per environment, bad input refused."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from config import ENVIRONMENTS

ROOT = Path(__file__).resolve().parent.parent
CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"
pytestmark = pytest.mark.cli


def _cdktf(*args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    if not CDKTF.exists():
        pytest.fail("node_modules/.bin/cdktf is missing: run `npm ci` (the README commands do)")
    env = {**os.environ, **environ, "CI": "1", "FORCE_COLOR": "0"}
    return subprocess.run([str(CDKTF), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_cdktf_synth_writes_one_stack_per_environment(tmp_path: Path) -> None:
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.fail(".venv is missing: cdktf.json runs the app with .venv/bin/python (scripts/setup.sh makes it)")
    result = _cdktf("synth", "--output", str(tmp_path / "out"), environ={})
    assert result.returncode == 0, result.stdout + result.stderr
    stacks = sorted(p.name for p in (tmp_path / "out" / "stacks").iterdir())
    assert stacks == sorted([*(f"healthtech-{e}" for e in ENVIRONMENTS), "healthtech-state-bootstrap"])
    doc = json.loads((tmp_path / "out" / "stacks" / "healthtech-prod" / "cdk.tf.json").read_text())
    assert doc["terraform"]["backend"]["s3"]["key"] == "healthtech/prod/terraform.tfstate"
    assert "Node 20 is end-of-life" not in result.stdout + result.stderr


def test_cdktf_synth_refuses_an_unknown_environment_and_writes_nothing(tmp_path: Path) -> None:
    result = _cdktf("synth", "--output", str(tmp_path / "out"), environ={"HEALTHTECH_ENVIRONMENTS": "qa"})
    assert result.returncode != 0
    assert "environment 'qa': unknown; allowed: dev, staging, prod" in result.stdout + result.stderr
    assert not (tmp_path / "out" / "stacks").exists()

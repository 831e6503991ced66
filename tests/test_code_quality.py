"""The linters the pre-commit hooks run also gate CI: ruff (lint + format) and strict mypy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_lint_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "check", "--no-fix", ".")
    assert result.returncode == 0, result.stdout


def test_ruff_format_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout


def test_mypy_strict_is_clean() -> None:
    result = _run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout


def test_mypy_still_checks_the_provider_bindings_behind_the_empty_package_stub(tmp_path: Path) -> None:
    """The stub in typings/ hides the package's eager __init__ from mypy, not the bindings' types."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from constructs import Construct\n"
        "from cdktf_cdktf_provider_aws.vpc import Vpc\n\n\n"
        "def build(scope: Construct) -> None:\n"
        '    Vpc(scope, "vpc", cidr_block=10, enable_dns_host_names=True)\n'
    )
    result = _run(str(BIN / "mypy"), "--cache-dir", str(tmp_path / "cache"), str(probe))
    assert result.returncode == 1, result.stdout
    assert 'Argument "cidr_block" to "Vpc" has incompatible type "int"; expected "str | None"' in result.stdout
    assert 'Unexpected keyword argument "enable_dns_host_names" for "Vpc"' in result.stdout

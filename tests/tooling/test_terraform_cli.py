from __future__ import annotations

from pathlib import Path

import pytest

from tooling.terraform_cli import (
    ENV_MIRROR,
    GO_GC_PERCENT,
    PROVIDER_PATH,
    MirrorError,
    find_mirror,
    render,
    terraform_env,
    write_cli_config,
)


def _mirror(root: Path) -> Path:
    (root / PROVIDER_PATH / "linux_amd64").mkdir(parents=True)
    return root


def test_explicit_mirror_wins(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "m")
    assert find_mirror({ENV_MIRROR: str(mirror)}, candidates=()) == mirror


def test_explicit_mirror_without_the_provider_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MirrorError, match=r"no registry\.terraform\.io/hashicorp/aws/5\.100\.0 below it"):
        find_mirror({ENV_MIRROR: str(tmp_path)}, candidates=())


def test_first_candidate_holding_the_provider_is_detected(tmp_path: Path) -> None:
    empty, full = tmp_path / "empty", _mirror(tmp_path / "full")
    empty.mkdir()
    assert find_mirror({}, candidates=(empty, full)) == full


def test_no_mirror_means_the_registry(tmp_path: Path) -> None:
    assert find_mirror({}, candidates=(tmp_path,)) is None
    assert "filesystem_mirror" not in render(None) and "direct {}" in render(None)


def test_written_config_uses_the_mirror_for_aws_only(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "m")
    text = write_cli_config(tmp_path / "cli.hcl", {ENV_MIRROR: str(mirror)}).read_text()
    assert f'path    = "{mirror}"' in text
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in text


def test_terraform_runs_with_the_collector_target_unless_one_is_set(tmp_path: Path) -> None:
    cli = tmp_path / "cli.hcl"
    assert terraform_env(cli, {})["GOGC"] == GO_GC_PERCENT == "400"
    assert terraform_env(cli, {"GOGC": "100"})["GOGC"] == "100"
    assert terraform_env(cli, {})["TF_CLI_CONFIG_FILE"] == str(cli)

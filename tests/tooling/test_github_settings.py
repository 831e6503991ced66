"""python -m tooling.github_settings: the requests it builds from the settings, printed without --apply,
sent with --apply through an injected runner or a fake `gh` on PATH (no network), refused on bad input."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from config import ENVIRONMENTS
from config.ci import SUBJECT_CLAIM_KEYS, GitHubEnvironment, GitHubRepository, Reviewer, ReviewerType
from config.environments import GITHUB_REPOSITORY
from tooling.github_settings import (
    GhError,
    Method,
    Request,
    branch_policy_changes,
    main,
    planned_requests,
)

REPO = GITHUB_REPOSITORY
ROOT = f"/repos/{REPO.full_name}"


def _never(request: Request) -> str:
    raise AssertionError(f"no request may be sent, but {request.line()} was")


def _listing(*policies: dict[str, Any]) -> dict[str, Any]:
    return {"total_count": len(policies), "branch_policies": list(policies)}


def test_the_requests_are_the_settings_of_every_environment_then_the_subject_template() -> None:
    requests = planned_requests(REPO, list(ENVIRONMENTS))
    assert len(requests) == 4 * len(ENVIRONMENTS) + 1
    for i, env in enumerate(ENVIRONMENTS):
        github = REPO.environment(env)
        put, listing, post, delete = requests[4 * i : 4 * i + 4]
        assert (put.method, put.path) == (Method.PUT, f"{ROOT}/environments/{env}")
        assert put.body == {
            "reviewers": [{"type": r.type.value, "id": r.id} for r in github.reviewers],
            "prevent_self_review": bool(github.reviewers),
            "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
        }
        policies = f"{ROOT}/environments/{env}/deployment-branch-policies"
        assert (listing.method, listing.path, listing.body) == (Method.GET, f"{policies}?per_page=100", None)
        assert (post.method, post.path) == (Method.POST, policies)
        assert post.body == {"name": github.branch, "type": "branch"}
        assert (delete.method, delete.path, delete.body) == (Method.DELETE, f"{policies}/{{id}}", None)
    template = requests[-1]
    assert (template.method, template.path) == (Method.PUT, f"{ROOT}/actions/oidc/customization/sub")
    assert template.body == {"use_default": False, "include_claim_keys": list(SUBJECT_CLAIM_KEYS)}


def test_prod_is_reviewed_by_the_configured_reviewers_without_self_review() -> None:
    (put,) = [r for r in planned_requests(REPO, ["prod"]) if r.method == Method.PUT and r.path.endswith("/prod")]
    assert put.body is not None
    assert put.body["reviewers"] == [{"type": r.type.value, "id": r.id} for r in REPO.environment("prod").reviewers]
    assert put.body["reviewers"] and put.body["prevent_self_review"] is True


def test_a_request_prints_as_method_path_and_json_body_and_goes_to_gh_as_json_on_stdin() -> None:
    repo = GitHubRepository(
        owner="acme",
        name="platform",
        environments={
            "prod": GitHubEnvironment(branch="release/1", reviewers=(Reviewer(type=ReviewerType.TEAM, id=9),))
        },
    )
    put, _, post, delete, template = planned_requests(repo, ["prod"])
    assert put.line() == (
        'PUT /repos/acme/platform/environments/prod {"reviewers": [{"type": "Team", "id": 9}], '
        '"prevent_self_review": true, "deployment_branch_policy": {"protected_branches": false, '
        '"custom_branch_policies": true}}'
    )
    assert post.line() == (
        'POST /repos/acme/platform/environments/prod/deployment-branch-policies {"name": "release/1", '
        '"type": "branch"}   (unless the list holds branch \'release/1\')'
    )
    assert delete.line().endswith("/deployment-branch-policies/{id}   (for each other policy the list holds)")
    assert template.gh_args() == [
        "gh",
        "api",
        "--method",
        "PUT",
        "repos/acme/platform/actions/oidc/customization/sub",
        "--input",
        "-",
    ]
    listing = Request(Method.GET, "/repos/acme/platform/environments/prod/deployment-branch-policies?per_page=100")
    assert listing.gh_args()[-1] == "repos/acme/platform/environments/prod/deployment-branch-policies?per_page=100"


def test_every_policy_but_the_deploy_branch_is_deleted_and_the_branch_added_when_missing() -> None:
    policies = f"{ROOT}/environments/dev/deployment-branch-policies"
    branch = REPO.environment("dev").branch
    listed = _listing(
        {"id": 1, "name": branch, "type": "branch"},
        {"id": 2, "name": "release/*", "type": "branch"},
        {"id": 3, "name": branch, "type": "tag"},  # a tag of the same name is another way in
    )
    assert [r.line() for r in branch_policy_changes(REPO, "dev", listed)] == [
        f"DELETE {policies}/2",
        f"DELETE {policies}/3",
    ]
    assert branch_policy_changes(REPO, "dev", _listing()) == [
        Request(Method.POST, policies, {"name": branch, "type": "branch"})
    ]
    assert branch_policy_changes(REPO, "dev", _listing({"id": 1, "name": branch})) == []  # type omitted: a branch


def test_a_listing_of_more_than_one_page_or_of_another_shape_stops_the_apply() -> None:
    with pytest.raises(GhError, match="'dev': 101 branch policies, more than one page of 100"):
        branch_policy_changes(REPO, "dev", {"total_count": 101, "branch_policies": []})
    with pytest.raises(GhError, match="the branch policy list is not GitHub's shape"):
        branch_policy_changes(REPO, "dev", {"message": "Not Found"})


def test_without_apply_every_request_is_printed_and_none_sent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([], run=_never) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"The requests to {REPO.full_name} (nothing sent; --apply sends them with `gh api`):"
    assert out[1:-1] == [r.line() for r in planned_requests(REPO, list(ENVIRONMENTS))]
    assert out[-1].startswith("Apply the state bootstrap first")


def test_apply_sends_each_request_in_order_deciding_the_policies_from_the_listing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sent: list[Request] = []

    def run(request: Request) -> str:
        sent.append(request)
        stale = {"id": 7, "name": "feature/*", "type": "branch"}
        return json.dumps(_listing(stale)) if request.method == Method.GET else "{}"

    assert main(["dev", "prod", "--apply"], run=run) == 0
    planned = {e: planned_requests(REPO, [e]) for e in ("dev", "prod")}
    expected = [
        step
        for e in ("dev", "prod")
        for step in (
            planned[e][0],
            planned[e][1],
            Request(Method.DELETE, f"{ROOT}/environments/{e}/deployment-branch-policies/7"),
            dataclasses.replace(planned[e][2], when=""),
        )
    ]
    assert sent == [*expected, planned["dev"][-1]]  # the subject template once, last
    out = capsys.readouterr().out.splitlines()
    assert out == [*(r.line() for r in sent), f"GitHub settings of {REPO.full_name} applied for dev, prod."]


FAKE_GH = """#!{python}
import json, os, sys
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "stdin": sys.stdin.read()}}) + "\\n")
if sys.argv[1:4] == ["api", "--method", "GET"]:
    print(os.environ["FAKE_GH_LISTING"])
elif "FAKE_GH_FAIL" in os.environ and os.environ["FAKE_GH_FAIL"] in sys.argv[4]:
    print("gh: Validation Failed (HTTP 422)", file=sys.stderr)
    sys.exit(1)
"""


@pytest.fixture
def fake_gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `gh` first on PATH that logs each call (argv and stdin) and lists one branch policy, dev's own."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable))
    gh.chmod(0o755)
    log = tmp_path / "gh.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_GH_LOG", str(log))
    branch = REPO.environment("dev").branch
    monkeypatch.setenv("FAKE_GH_LISTING", json.dumps(_listing({"id": 5, "name": branch, "type": "branch"})))
    return log


def _calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_apply_runs_gh_api_for_each_request_with_its_body_on_stdin(fake_gh: Path) -> None:
    assert main(["dev", "--apply"]) == 0
    dev = f"repos/{REPO.full_name}/environments/dev"
    calls = _calls(fake_gh)
    assert [c["argv"] for c in calls] == [
        ["api", "--method", "PUT", dev, "--input", "-"],
        ["api", "--method", "GET", f"{dev}/deployment-branch-policies?per_page=100"],
        ["api", "--method", "PUT", f"repos/{REPO.full_name}/actions/oidc/customization/sub", "--input", "-"],
    ]  # dev's branch is listed already: nothing to add or delete
    planned = planned_requests(REPO, ["dev"])
    assert json.loads(calls[0]["stdin"]) == planned[0].body
    assert calls[1]["stdin"] == ""
    assert json.loads(calls[2]["stdin"]) == planned[-1].body


def test_a_failing_gh_stops_the_apply_saying_where(
    fake_gh: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_GH_FAIL", "/environments/staging")
    assert main(["dev", "staging", "prod", "--apply"]) == 1
    err = capsys.readouterr().err
    assert f"PUT {ROOT}/environments/staging: gh api failed: gh: Validation Failed (HTTP 422)" in err
    assert "The requests before it were sent, none after it." in err
    paths = [c["argv"][3] for c in _calls(fake_gh)]
    assert paths[-1] == f"repos/{REPO.full_name}/environments/staging"  # nothing for prod, no template
    assert not any("/prod" in p or "oidc" in p for p in paths)


def test_a_gh_that_does_not_answer_stops_the_apply_without_a_traceback(
    fake_gh: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("tooling.github_settings.GH_TIMEOUT_SECONDS", 0.01)
    (fake_gh.parent / "bin" / "gh").write_text(f"#!{sys.executable}\nimport time\ntime.sleep(5)\n")
    assert main(["dev", "--apply"]) == 1
    assert f"PUT {ROOT}/environments/dev: gh api did not run: Command" in capsys.readouterr().err


def test_apply_without_gh_on_path_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["--apply"]) == 2
    assert "`gh` is not on PATH; install GitHub CLI, then `gh auth login`" in capsys.readouterr().err


@pytest.mark.parametrize("apply", [[], ["--apply"]])
def test_an_unknown_environment_is_refused_with_the_projects_message_and_nothing_sent(
    apply: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dev", "qa", *apply], run=_never) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("tooling.github_settings refused, nothing sent: invalid configuration:")
    assert "environment 'qa': unknown; allowed: dev, staging, prod" in captured.err


def test_prod_without_reviewers_is_refused_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    unreviewed = dataclasses.replace(REPO, environments={})
    assert main(["--apply"], repository=unreviewed, run=_never) == 2
    err = capsys.readouterr().err
    assert "ci.repository.environments['prod'].reviewers: none configured, and 'prod' is in " in err
    assert "ci.repository.reviewed_environments" in err
    assert main(["dev", "staging"], repository=unreviewed, run=_never) == 0  # prod not selected: nothing to refuse


def test_a_placeholder_repository_or_bad_branch_is_refused_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    placeholder = dataclasses.replace(REPO, owner="octo-org")
    assert main([], repository=placeholder, run=_never) == 2
    assert "ci.repository.owner: 'octo-org' is a documentation placeholder" in capsys.readouterr().err
    bad = dataclasses.replace(REPO, environments={**REPO.environments, "dev": GitHubEnvironment(branch="main*")})
    assert main(["--apply"], repository=bad, run=_never) == 2
    assert "ci.repository.environments['dev'].branch: 'main*' is not a branch name" in capsys.readouterr().err

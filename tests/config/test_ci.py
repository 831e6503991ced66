"""The CI settings: the GitHub repository (GitHub's naming rules, placeholders refused), the OIDC subjects
of its custom template, its GitHub environments (deploy branch, reviewers) and the environments the deploy
roles serve."""

from __future__ import annotations

import pytest

from config import ENVIRONMENTS, EnvironmentConfig
from config.ci import (
    SUBJECT_CLAIM_KEYS,
    GitHubEnvironment,
    GitHubRepository,
    Reviewer,
    ReviewerType,
    deploy_scope_problems,
    environment_problems,
    repository_problems,
    review_problems,
    served_environments,
)
from config.environments import GITHUB_REPOSITORY


def problems(owner: str, name: str, *, local: bool = False) -> list[str]:
    return list(repository_problems(GitHubRepository(owner=owner, name=name), local=local))


def test_the_configured_repository_is_valid_and_subjects_follow_the_custom_template() -> None:
    assert problems(GITHUB_REPOSITORY.owner, GITHUB_REPOSITORY.name) == []
    assert list(environment_problems(GITHUB_REPOSITORY, list(ENVIRONMENTS))) == []
    assert list(review_problems(GITHUB_REPOSITORY, ENVIRONMENTS)) == []
    # GitHub, "Customizing the subject claims": each key of the template and its value, `context` being the
    # default sub's tail (environment:NAME, or pull_request for a pull request's job in no environment).
    assert SUBJECT_CLAIM_KEYS == ("repo", "context", "ref")
    repo = GitHubRepository(
        owner="acme-health", name="platform.infra_2", environments={"staging": GitHubEnvironment(branch="release/2")}
    )
    assert repo.pull_request_subject(42) == "repo:acme-health/platform.infra_2:pull_request:ref:refs/pull/42/merge"
    assert repo.pull_request_subject_pattern() == "repo:acme-health/platform.infra_2:pull_request:ref:refs/pull/*/merge"
    assert repo.deploy_subject("prod") == "repo:acme-health/platform.infra_2:environment:prod:ref:refs/heads/main"
    assert repo.deploy_subject("staging") == (
        "repo:acme-health/platform.infra_2:environment:staging:ref:refs/heads/release/2"
    )


def test_an_environment_deploys_from_main_with_no_reviewer_unless_configured() -> None:
    repo = GitHubRepository(owner="acme", name="platform")
    assert repo.environment("dev") == GitHubEnvironment(branch="main", reviewers=())
    assert repo.reviewed_environments == {"prod"}
    with pytest.raises(TypeError):
        repo.environments["dev"] = GitHubEnvironment()  # type: ignore[index]  # read-only once built


def gate_problems(**environment: object) -> list[str]:
    repo = GitHubRepository(owner="acme", name="platform", environments={"dev": GitHubEnvironment(**environment)})  # type: ignore[arg-type]
    return list(environment_problems(repo, list(ENVIRONMENTS)))


@pytest.mark.parametrize("branch", ["main", "release/2.1", "hotfix_x-y", "v1.lock.d", "HEADS"])
def test_a_plain_branch_name_is_accepted(branch: str) -> None:
    assert gate_problems(branch=branch) == []


@pytest.mark.parametrize(
    "branch",
    [
        "",
        "ma in",
        "a..b",
        "a//b",
        "/main",
        "main/",
        "main.",
        "-main",
        ".main",
        "a/.b",
        "x.lock",
        "a.lock/b",
        "a:b",
        "feat*",
        "a?",
        "a[1]",
        "a~1",
        "a^",
        "a\\b",
        "x@{1}",
        "HEAD",
        "refs/heads/main",
        "ü",
    ],
)
def test_a_bad_deploy_branch_is_refused_naming_the_field(branch: str) -> None:
    (problem,) = gate_problems(branch=branch)
    assert problem.startswith(
        f"ci.repository.environments['dev'].branch: {branch!r} is not a branch name this project deploys from; "
        "use letters, digits, '.', '_', '-' and '/'"
    )


def test_a_mistyped_github_environment_is_refused_naming_the_field() -> None:
    assert gate_problems(branch=1) == ["ci.repository.environments['dev'].branch: 1 is not allowed; use a string"]
    assert gate_problems(reviewers=[Reviewer(type=ReviewerType.USER, id=1)]) == [
        "ci.repository.environments['dev'].reviewers: [Reviewer(type=<ReviewerType.USER: 'User'>, id=1)] is not "
        'allowed; use a tuple of Reviewer (e.g. ("a", "b"))'
    ]
    assert gate_problems(reviewers=(Reviewer(type="User", id=1),)) == [  # type: ignore[arg-type]
        "ci.repository.environments['dev'].reviewers[0].type: 'User' is not allowed; "
        "use ReviewerType.USER or ReviewerType.TEAM"
    ]
    repo = GitHubRepository(owner="acme", name="platform", environments={"dev": "main"})  # type: ignore[dict-item]
    assert list(environment_problems(repo, list(ENVIRONMENTS))) == [
        "ci.repository.environments['dev']: 'main' is not allowed; use a GitHubEnvironment(...)"
    ]


def test_reviewers_are_at_most_six_distinct_github_ids() -> None:
    team = Reviewer(type=ReviewerType.TEAM, id=7)
    users = tuple(Reviewer(type=ReviewerType.USER, id=i) for i in range(1, 8))
    assert gate_problems(reviewers=users[:6]) == []
    assert gate_problems(reviewers=users) == [
        "ci.repository.environments['dev'].reviewers: 7 given; GitHub allows up to 6 users or teams"
    ]
    assert gate_problems(reviewers=(team, Reviewer(type=ReviewerType.USER, id=7), team)) == [
        "ci.repository.environments['dev'].reviewers[2]: Team 7 is listed twice; list each reviewer once"
    ]
    assert gate_problems(reviewers=(Reviewer(type=ReviewerType.USER, id=0),)) == [
        "ci.repository.environments['dev'].reviewers[0].id: 0 is not a GitHub id; use the user's or team's "
        "numeric id (1 or more)"
    ]


def test_github_environments_of_unknown_environments_are_refused() -> None:
    repo = GitHubRepository(
        owner="acme",
        name="platform",
        environments={"prd": GitHubEnvironment()},
        reviewed_environments=frozenset({"qa"}),
    )
    assert list(environment_problems(repo, list(ENVIRONMENTS))) == [
        "ci.repository.reviewed_environments: 'qa' is not an environment; allowed: dev, staging, prod",
        "ci.repository.environments['prd']: 'prd' is not an environment; allowed: dev, staging, prod",
    ]


def test_a_reviewed_environment_without_reviewers_is_refused_naming_the_field() -> None:
    unreviewed = GitHubRepository(owner="acme", name="platform")
    (problem,) = review_problems(unreviewed, ENVIRONMENTS)
    assert problem.startswith(
        "ci.repository.environments['prod'].reviewers: none configured, and 'prod' is in "
        "ci.repository.reviewed_environments; name 1 to 6 Reviewer("
    )
    assert list(review_problems(unreviewed, ["dev", "staging"])) == []  # only the environments asked about


@pytest.mark.parametrize(
    ("owner", "message"),
    [
        ("-acme", "ci.repository.owner: '-acme' is not a GitHub owner"),
        ("acme-", "ci.repository.owner: 'acme-' is not a GitHub owner"),
        ("ac--me", "ci.repository.owner: 'ac--me' is not a GitHub owner"),
        ("a" * 40, "is not a GitHub owner; use 1-39 letters, digits and single hyphens"),
        ("acme/x", "is not a GitHub owner"),
        ("", "ci.repository.owner: '' is not a GitHub owner"),
        ("OWNER", "ci.repository.owner: 'OWNER' is a documentation placeholder"),
        ("octo-org", "ci.repository.owner: 'octo-org' is a documentation placeholder"),
    ],
)
def test_a_bad_owner_is_refused_naming_the_field(owner: str, message: str) -> None:
    (problem,) = problems(owner, "platform")
    assert message in problem


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a" * 101, "is not a GitHub repository name; use up to 100 of letters, digits, '.', '_' and '-'"),
        ("my repo", "ci.repository.name: 'my repo' is not a GitHub repository name"),
        ("..", "ci.repository.name: '..' is not a GitHub repository name"),
        ("REPO", "ci.repository.name: 'REPO' is a documentation placeholder"),
        ("octo-repo", "ci.repository.name: 'octo-repo' is a documentation placeholder"),
    ],
)
def test_a_bad_name_is_refused_naming_the_field(name: str, message: str) -> None:
    (problem,) = problems("acme", name)
    assert message in problem


def test_a_mistyped_owner_is_refused_naming_the_field_not_with_a_traceback() -> None:
    assert problems(1, "platform") == ["ci.repository.owner: 1 is not allowed; use a string"]  # type: ignore[arg-type]


def test_placeholders_are_accepted_on_the_local_endpoint_only() -> None:
    assert problems("octo-org", "octo-repo", local=True) == []
    assert len(problems("octo-org", "octo-repo")) == 2
    assert problems("a" * 39, "x" * 100) == []  # the limits themselves are allowed


def test_every_environment_on_the_backend_gets_a_deploy_role_selected_first() -> None:
    served = served_environments([ENVIRONMENTS["prod"]], ENVIRONMENTS)
    assert [c.name for c in served] == ["prod", "dev", "staging"]
    elsewhere = EnvironmentConfig(name="qa", account_id="731264905518")  # another account: another bootstrap
    assert [c.name for c in served_environments([ENVIRONMENTS["dev"]], {**ENVIRONMENTS, "qa": elsewhere})] == [
        "dev",
        "staging",
        "prod",
    ]


def test_environment_names_that_a_deploy_role_pattern_would_confuse_are_refused() -> None:
    assert list(deploy_scope_problems(list(ENVIRONMENTS.values()))) == []
    qa_dev = EnvironmentConfig(name="qa-dev", account_id=ENVIRONMENTS["dev"].account_id)
    (problem,) = deploy_scope_problems([ENVIRONMENTS["dev"], qa_dev])
    assert problem.startswith("environment 'qa-dev': name ends with '-dev', another environment's name")

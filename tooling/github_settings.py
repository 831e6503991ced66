"""Write to GitHub what the CI roles' trust relies on, from the settings the state bootstrap reads.

    python -m tooling.github_settings [ENV ...]           print every request, send nothing (default: every environment)
    python -m tooling.github_settings [ENV ...] --apply   send them with `gh api` (as a repository administrator)

From ``GITHUB_REPOSITORY`` in config/environments.py (config/ci.py), for each environment:
- its GitHub environment: ``PUT /repos/{owner}/{repo}/environments/{env}`` with the reviewers (none unless
  configured; self-review prevented where there are some) and a custom deployment-branch policy;
- that policy's one branch: ``GET .../deployment-branch-policies``, then ``POST`` the deploy branch unless
  it is listed and ``DELETE`` every other policy listed, so no other branch or tag may start a job there;

and once for the repository, last: its OIDC subject template, ``PUT /repos/{owner}/{repo}/actions/oidc/
customization/sub`` with ``{"use_default": false, "include_claim_keys": SUBJECT_CLAIM_KEYS}``, the format
the deploy and plan roles trust. GitHub asks for the cloud's matching condition first ("OpenID Connect
reference", "Customizing the subject claims"): apply the state bootstrap before this, or the roles refuse
the new subjects; between the two, CI gets no AWS credentials at all.

Sources: GitHub REST, "Create or update an environment" (``reviewers`` of ``type`` User/Team and ``id``,
``prevent_self_review``, ``deployment_branch_policy`` with ``protected_branches`` and
``custom_branch_policies``) and "Deployment branch policies" (list, create with ``name`` and ``type``
``branch``, delete by id; create answers 303 for a name it has, hence the list first); "Set the
customization template for an OIDC subject claim for a repository".
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from config.ci import (
    SUBJECT_CLAIM_KEYS,
    GitHubRepository,
    environment_problems,
    repository_problems,
    review_problems,
)
from config.settings import EnvironmentConfig

PROG = "tooling.github_settings"
GH_TIMEOUT_SECONDS: float = 60
"""One request's limit, so a network that does not answer stops the apply instead of hanging it."""
PER_PAGE = 100
"""The most branch policies one list request returns (GitHub REST, "List deployment branch policies")."""


class Method(StrEnum):
    GET = "GET"
    PUT = "PUT"
    POST = "POST"
    DELETE = "DELETE"


@dataclass(frozen=True)
class Request:
    """One GitHub REST request: what is printed, and what ``gh api`` is given."""

    method: Method
    path: str
    """From the API's root, starting with ``/``, as GitHub's REST reference writes it."""
    body: Mapping[str, Any] | None = None
    when: str = ""
    """For a request the listing before it decides: when it is made (printed only)."""

    def line(self) -> str:
        text = f"{self.method} {self.path}"
        if self.body is not None:
            text += f" {json.dumps(self.body)}"
        return f"{text}   ({self.when})" if self.when else text

    def gh_args(self) -> list[str]:
        # gh takes the path without the leading slash (`gh api repos/OWNER/REPO/...`, gh's manual) and
        # the JSON body on stdin with `--input -`, so that nested objects and booleans keep their types.
        args = ["gh", "api", "--method", self.method.value, self.path.removeprefix("/")]
        return [*args, "--input", "-"] if self.body is not None else args


class GhError(RuntimeError):
    """``gh api`` failed; the message holds the request and what gh said."""


Runner = Callable[[Request], str]
"""Sends one request and returns the response body (``gh api``'s stdout); raises :class:`GhError`."""


def gh_runner(request: Request) -> str:
    """Send ``request`` with ``gh api``."""
    # An empty stdin without a body: gh never waits on the caller's terminal.
    stdin = json.dumps(request.body) if request.body is not None else ""
    try:
        result = subprocess.run(
            request.gh_args(), input=stdin, capture_output=True, text=True, timeout=GH_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GhError(f"{request.method} {request.path}: gh api did not run: {error}") from error
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip() or f"exit {result.returncode}"
        raise GhError(f"{request.method} {request.path}: gh api failed: {said}")
    return result.stdout


def _repo_path(repository: GitHubRepository) -> str:
    return f"/repos/{quote(repository.owner, safe='')}/{quote(repository.name, safe='')}"


def _environment_path(repository: GitHubRepository, environment: str) -> str:
    # The REST reference: "The name must be URL encoded".
    return f"{_repo_path(repository)}/environments/{quote(environment, safe='')}"


def subject_template_request(repository: GitHubRepository) -> Request:
    """The repository's OIDC subject template: ``use_default`` false, our claim keys."""
    body = {"use_default": False, "include_claim_keys": list(SUBJECT_CLAIM_KEYS)}
    return Request(Method.PUT, f"{_repo_path(repository)}/actions/oidc/customization/sub", body)


def environment_request(repository: GitHubRepository, environment: str) -> Request:
    """Create or update the GitHub environment: reviewers as configured, branches by custom policy only."""
    reviewers = repository.environment(environment).reviewers
    body = {
        "reviewers": [{"type": r.type.value, "id": r.id} for r in reviewers],
        # The one who pushed to main would otherwise approve the deploy of their own change.
        "prevent_self_review": bool(reviewers),
        # custom_branch_policies: only the names POSTed below; protected_branches would let any protected
        # branch deploy (the two cannot both be true).
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
    }
    return Request(Method.PUT, _environment_path(repository, environment), body)


def branch_policies_request(repository: GitHubRepository, environment: str) -> Request:
    return Request(
        Method.GET, f"{_environment_path(repository, environment)}/deployment-branch-policies?per_page={PER_PAGE}"
    )


def branch_policy_request(repository: GitHubRepository, environment: str, *, when: str = "") -> Request:
    body = {"name": repository.environment(environment).branch, "type": "branch"}
    return Request(Method.POST, f"{_environment_path(repository, environment)}/deployment-branch-policies", body, when)


def _delete_policy(repository: GitHubRepository, environment: str, policy_id: object, *, when: str = "") -> Request:
    path = f"{_environment_path(repository, environment)}/deployment-branch-policies/{policy_id}"
    return Request(Method.DELETE, path, when=when)


def planned_requests(repository: GitHubRepository, environments: Sequence[str]) -> list[Request]:
    """Every request, in order, as printed without ``--apply``: the POST and DELETE after each listing
    carry the condition the listing decides."""
    requests: list[Request] = []
    for environment in environments:
        branch = repository.environment(environment).branch
        requests += [
            environment_request(repository, environment),
            branch_policies_request(repository, environment),
            branch_policy_request(repository, environment, when=f"unless the list holds branch {branch!r}"),
            _delete_policy(repository, environment, "{id}", when="for each other policy the list holds"),
        ]
    return [*requests, subject_template_request(repository)]


def branch_policy_changes(repository: GitHubRepository, environment: str, listing: Mapping[str, Any]) -> list[Request]:
    """What makes the environment's listed branch policies exactly its deploy branch: DELETE each other
    policy (a branch pattern or a tag), then POST the branch unless it is there. Raise GhError on a listing
    of more than one page (nothing here guesses at policies it has not seen)."""
    policies = listing.get("branch_policies")
    if not isinstance(policies, list) or not isinstance(listing.get("total_count"), int):
        raise GhError(f"environment {environment!r}: the branch policy list is not GitHub's shape: {listing!r}")
    if listing["total_count"] > len(policies):
        raise GhError(
            f"environment {environment!r}: {listing['total_count']} branch policies, more than one page of "
            f"{PER_PAGE}; delete the extra ones in the repository's Settings > Environments, then run this again"
        )
    branch = repository.environment(environment).branch
    ours = [p for p in policies if p.get("name") == branch and p.get("type", "branch") == "branch"]
    changes = [_delete_policy(repository, environment, p["id"]) for p in policies if p not in ours]
    return changes if ours else [*changes, branch_policy_request(repository, environment)]


def apply(repository: GitHubRepository, environments: Sequence[str], run: Runner, say: Callable[[str], None]) -> None:
    """Send every request through ``run``, printing each before it goes; stop at the first failure."""

    def send(request: Request) -> str:
        say(request.line())
        return run(request)

    for environment in environments:
        send(environment_request(repository, environment))
        answer = send(branch_policies_request(repository, environment))
        try:
            listing = json.loads(answer)
        except ValueError as error:
            raise GhError(
                f"environment {environment!r}: the branch policy list is not JSON: {answer[:200]!r}"
            ) from error
        for request in branch_policy_changes(repository, environment, listing):
            send(request)
    send(subject_template_request(repository))


def problems(repository: GitHubRepository, registry: Iterable[str], environments: Sequence[str]) -> list[str]:
    """Everything wrong with the settings these requests come from, each naming its field."""
    return [
        *repository_problems(repository, local=False),
        *environment_problems(repository, list(registry)),
        *review_problems(repository, environments),
    ]


def main(
    argv: list[str] | None = None,
    *,
    repository: GitHubRepository | None = None,
    registry: Mapping[str, EnvironmentConfig] | None = None,
    run: Runner = gh_runner,
) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {PROG}", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("environments", nargs="*", metavar="ENV", help="default: every environment of config/")
    parser.add_argument("--apply", action="store_true", help="send the requests with `gh api`")
    args = parser.parse_args(argv)
    from config import ENVIRONMENTS, ConfigError, select
    from config.environments import GITHUB_REPOSITORY

    repository = repository or GITHUB_REPOSITORY
    registry = ENVIRONMENTS if registry is None else registry
    try:  # the project's own check of the environments, before any request is printed or sent
        names = [c.name for c in select(registry, args.environments or None)]
        found = problems(repository, registry, names)
        if found:
            raise ConfigError(found)
    except ConfigError as error:
        print(f"{PROG} refused, nothing sent: {error}", file=sys.stderr)
        return 2
    if not args.apply:
        print(f"The requests to {repository.full_name} (nothing sent; --apply sends them with `gh api`):")
        for request in planned_requests(repository, names):
            print(request.line())
        print("Apply the state bootstrap first: its roles must trust the new subjects before GitHub issues them.")
        return 0
    if run is gh_runner and shutil.which("gh") is None:
        print(
            f"{PROG} --apply refused, nothing sent: `gh` is not on PATH; install GitHub CLI, then `gh auth login`",
            file=sys.stderr,
        )
        return 2
    try:
        apply(repository, names, run, print)
    except GhError as error:
        print(f"{PROG} --apply stopped: {error}. The requests before it were sent, none after it.", file=sys.stderr)
        return 1
    print(f"GitHub settings of {repository.full_name} applied for {', '.join(names)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The GitHub workflows' AWS access: GitHub's OIDC identity provider, the plan role and one deploy role
per environment, each trusting only this repository's tokens of one kind.

Created by the state bootstrap (once per account), so nobody makes them by hand. What each role may
do is in components/ci_policies.py and components/ci_boundary.py; the trust conditions follow the GitHub
guide cited in config/ci.py and the IAM user guide, "Create a role for OpenID Connect federation" (the
``aud`` and ``sub`` condition keys of an OIDC provider are ``{provider host}:aud`` and
``{provider host}:sub``). The subjects are those of the repository's custom subject template
(``config.ci.SUBJECT_CLAIM_KEYS``, applied to GitHub by ``python -m tooling.github_settings``): the
default template's would let any branch deploy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from components.aws_context import AwsContext
from components.ci_boundary import BOUNDARY_ANY_RESOURCE_REASONS, BOUNDARY_LINT_REASONS, boundary_statements
from components.ci_policies import (
    ANY_RESOURCE_REASONS,
    DEPLOY_LINT_REASONS,
    READ_ANY_RESOURCE_REASONS,
    READ_LINT_REASONS,
    DeployScope,
    StateAccess,
    deploy_statements,
    plan_statements,
    read_statements,
)
from components.compliance import allow_any_resource, explain_lint
from components.iam import Statement, grant, policy_document
from config.ci import GITHUB_OIDC_HOST, GITHUB_OIDC_URL, STS_AUDIENCE, GitHubRepository
from config.naming import BOOTSTRAP_SCOPE, PROJECT, Kind, Namer
from config.settings import DeliverySettings

TRUST_SID = "GitHubOidcTokensOfThisRepository"
# What parliament reports on every trust statement of an OIDC provider, and why it is not a defect.
TRUST_LINT_REASONS: dict[str, str] = {
    "UNKNOWN_FEDERATION_SOURCE": (
        "parliament accepts as a Federated principal only SAML providers and four web identity providers; IAM "
        'takes an OIDC provider\'s ARN (IAM user guide, "Create a role for OpenID Connect federation")'
    ),
    "UNKNOWN_CONDITION_FOR_ACTION": (
        f"{GITHUB_OIDC_HOST}:aud and :sub are the OIDC provider's own keys, which no service lists in the SAR "
        '(IAM user guide, "Available keys for AWS OIDC federation"); they are the whole trust condition'
    ),
}


class GitHubCiAccess(Construct):
    """``provider``, ``plan_role``, ``deploy_roles`` and ``boundaries`` (environment name -> role, policy).

    ``domains``: each environment's ``load_balancer.domain_name``, where it has one: its deploy role may
    change only those records (and their certificates' validation records)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repository: GitHubRepository,
        environments: Sequence[str],
        state: StateAccess,
        aws: AwsContext,
        domains: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        # No thumbprint_list: provider 5.100.0 has it optional+computed (`terraform providers schema -json`),
        # and IAM verifies GitHub's JWKS endpoint with its own library of trusted root CAs, keeping any
        # thumbprint only as a legacy value (IAM API reference, UpdateOpenIDConnectProviderThumbprint:
        # "These OIDC IdPs include Auth0, GitHub, GitLab, Google ..."). A pinned thumbprint would only go stale.
        self.provider = IamOpenidConnectProvider(self, "github", url=GITHUB_OIDC_URL, client_id_list=[STS_AUDIENCE])
        # StringLike: a pull request's sub carries its number (refs/pull/N/merge) under the custom template,
        # so no one StringEquals value matches every pull request; the pattern leaves only N open.
        self.plan_role = self._role(
            "plan",
            name=Namer(BOOTSTRAP_SCOPE).name(Kind.CI_PLAN),
            subject=repository.pull_request_subject_pattern(),
            match="StringLike",
            description=f"Terraform plans of {repository.full_name}'s pull requests: read-only but for state locks",
        )
        # One managed policy of the platform reads for every CI role: the deploy roles' inline policies
        # then keep their room under IAM's 10,240-character limit per role.
        self.read_policy = IamPolicy(
            self,
            "read-policy",
            name=Namer(BOOTSTRAP_SCOPE).name(Kind.CI_READ),
            description=f"What {repository.full_name}'s CI roles read of the platform's configuration",
            policy=policy_document(*read_statements()),
        )
        for sid, reason in READ_ANY_RESOURCE_REASONS.items():
            allow_any_resource(self.read_policy, sid, reason)
        for (sid, issue), reason in READ_LINT_REASONS.items():
            explain_lint(self.read_policy, sid, issue, reason)
        IamRolePolicyAttachment(self, "plan-reads", role=self.plan_role.name, policy_arn=self.read_policy.arn)
        platform_buckets = f"arn:{aws.partition}:s3:::{PROJECT}-*"
        # The seeded source key (its default; an environment with another delivery.source_object_key adds it).
        source_seeds = f"arn:{aws.partition}:s3:::{PROJECT}-{Kind.ARTIFACTS}-*/{DeliverySettings().source_object_key}"
        self._grant(
            self.plan_role,
            "plan-policy",
            plan_statements(state, platform_buckets=platform_buckets, source_seeds=source_seeds),
        )
        self.deploy_roles: dict[str, IamRole] = {}
        self.boundaries: dict[str, IamPolicy] = {}
        for environment in environments:
            role = self._role(
                f"deploy-{environment}",
                name=Namer(environment).name(Kind.CI_DEPLOY),
                subject=repository.deploy_subject(environment),
                match="StringEquals",
                description=f"Deploys of {repository.full_name} to {environment}: its resources and state",
            )
            deploy_scope = DeployScope(
                environment=environment,
                partition=aws.partition,
                region=aws.region,
                account_id=aws.account_id,
                domain_name=(domains or {}).get(environment),
            )
            self._grant(role, f"deploy-{environment}-policy", deploy_statements(state, deploy_scope))
            IamRolePolicyAttachment(
                self, f"deploy-{environment}-reads", role=role.name, policy_arn=self.read_policy.arn
            )
            self.deploy_roles[environment] = role
            # Made here, by whoever bootstraps, so no deploy role can change the ceiling of its own roles.
            boundary = IamPolicy(
                self,
                f"boundary-{environment}",
                name=Namer(environment).name(Kind.CI_BOUNDARY),
                description=f"Permissions boundary of every role of {environment}: its own resources, no IAM",
                policy=policy_document(*boundary_statements(state, deploy_scope)),
            )
            for sid, reason in BOUNDARY_ANY_RESOURCE_REASONS.items():
                allow_any_resource(boundary, sid, reason)
            for (sid, issue), reason in BOUNDARY_LINT_REASONS.items():
                explain_lint(boundary, sid, issue, reason)
            self.boundaries[environment] = boundary

    def _role(
        self, id: str, *, name: str, subject: str, match: Literal["StringEquals", "StringLike"], description: str
    ) -> IamRole:
        """A role trusting tokens of GitHub's provider with our audience and a ``sub`` that ``match`` (the
        IAM condition operator) finds equal to, or like, ``subject``."""
        conditions: dict[str, dict[str, str]] = {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE}}
        conditions.setdefault(match, {})[f"{GITHUB_OIDC_HOST}:sub"] = subject
        role = IamRole(
            self,
            id,
            name=name,
            description=description,
            assume_role_policy=policy_document(
                Statement(
                    sid=TRUST_SID,
                    principal={"Federated": self.provider.arn},
                    actions="sts:AssumeRoleWithWebIdentity",
                    resources=None,
                    condition=conditions,
                )
            ),
        )
        for issue, reason in TRUST_LINT_REASONS.items():
            explain_lint(role, TRUST_SID, issue, reason)
        return role

    def _grant(self, role: IamRole, id: str, statements: list[Statement]) -> None:
        policy = grant(self, id, role=role, name=id.removesuffix("-policy"), statements=statements)
        for statement in statements:
            if statement.resources == "*":
                sid = str(statement.sid)
                allow_any_resource(policy, sid, ANY_RESOURCE_REASONS[sid])
        sids = {statement.sid for statement in statements}
        for (sid, issue), reason in DEPLOY_LINT_REASONS.items():
            if sid in sids:
                explain_lint(policy, sid, issue, reason)

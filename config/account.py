"""The AWS account an environment deploys into, and the values that must be real before it does.

A real-AWS synth refuses the placeholders AWS documentation uses (account ``123456789012``, domains
reserved for examples): a deploy with one of them fails late, in the wrong account, or never confirms.
Local mode (moto) deploys into the endpoint's own account, which is such a placeholder, so these
checks do not apply there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from config.naming import PROJECT
from config.settings import DataClassification, EnvironmentConfig

ACCOUNT_ID = re.compile(r"^\d{12}$")
LOCAL_ENDPOINT_ACCOUNT_ID = "123456789012"
"""The account moto answers STS GetCallerIdentity with (its default; the launcher does not change it)."""
PLACEHOLDER_ACCOUNT_IDS: frozenset[str] = frozenset(
    {
        "000000000000",
        "012345678901",
        "111111111111",
        "111122223333",
        "123456789012",
        "210987654321",
        "222222222222",
        "444455556666",
        "555555555555",
        "777788889999",
        "999999999999",
    }
)
"""Account ids that AWS documentation uses in examples (IAM, KMS, Organizations guides)."""
RESERVED_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")
"""Second-level domains reserved for documentation (RFC 2606); they can never receive mail."""
RESERVED_TLDS: tuple[str, ...] = ("example", "test", "invalid", "localhost", "local")
"""Top-level names reserved for tests and examples (RFC 2606, RFC 6761, RFC 6762)."""
EMAIL = re.compile(r"^[^@\s]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ARN_ACCOUNT = re.compile(r"^arn:[^:]+:[^:]*:[^:]*:(\d{12}):")


def state_bucket(config: EnvironmentConfig) -> str:
    """The state bucket of ``config``: ``state.bucket``, else ``healthtech-tfstate-{account}-{region}``."""
    return config.state.bucket or f"{PROJECT}-tfstate-{config.account_id}-{config.state.region}"


def state_object_key(config: EnvironmentConfig) -> str:
    """The S3 key of ``config``'s state: ``{state.key_prefix}/{name}/terraform.tfstate``."""
    return f"{config.state.key_prefix}/{config.name}/terraform.tfstate"


def in_local_account(config: EnvironmentConfig) -> EnvironmentConfig:
    """``config`` deployed into the local endpoint's account (the state bucket name follows it)."""
    return dataclasses.replace(config, account_id=LOCAL_ENDPOINT_ACCOUNT_ID)


def is_reserved_domain(domain: str) -> bool:
    """Whether ``domain`` (or an e-mail address's domain) is reserved for examples and tests."""
    name = domain.rsplit("@", 1)[-1].lower().rstrip(".")
    return name.rsplit(".", 1)[-1] in RESERVED_TLDS or any(
        name == reserved or name.endswith(f".{reserved}") for reserved in RESERVED_DOMAINS
    )


def account_problems(cfg: EnvironmentConfig, *, local: bool) -> Iterable[str]:
    """Account id, placeholder ARNs and domains, the alarm subscriber and the data classification."""
    env = f"environment {cfg.name!r}"
    if not ACCOUNT_ID.match(cfg.account_id):
        yield f"{env}: account_id: {cfg.account_id!r} is not allowed; use the 12-digit id of the AWS account"
    elif not local and cfg.account_id in PLACEHOLDER_ACCOUNT_IDS:
        yield (
            f"{env}: account_id: {cfg.account_id!r} is a documentation placeholder; use the 12-digit id of "
            "the account this environment deploys into (aws sts get-caller-identity)"
        )
    if not local:
        for label, arn in (
            ("load_balancer.certificate_arn", cfg.load_balancer.certificate_arn),
            ("delivery.connection_arn", cfg.delivery.connection_arn),
        ):
            match = ARN_ACCOUNT.match(arn or "")
            if match and match.group(1) in PLACEHOLDER_ACCOUNT_IDS:
                yield (
                    f"{env}: {label}: {arn!r} names the documentation placeholder account {match.group(1)}; "
                    "use the ARN of your own resource"
                )
    yield from _domain_problems(cfg, local=local)
    yield from _subscriber_problems(cfg, local=local)
    lb = cfg.load_balancer
    plain_http = lb.allow_plain_http and lb.certificate_arn is None and lb.domain_name is None
    if plain_http and cfg.data_classification is DataClassification.PHI:
        yield (
            f"{env}: data_classification: PHI is not allowed on an environment that serves plain HTTP; give "
            "load_balancer.domain_name (or certificate_arn), or classify it NON_PHI"
        )


def _domain_problems(cfg: EnvironmentConfig, *, local: bool) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    lb = cfg.load_balancer
    for label, value in (("load_balancer.domain_name", lb.domain_name), ("load_balancer.hosted_zone", lb.hosted_zone)):
        if value is None:
            continue
        if not DOMAIN.match(value):
            yield f"{env}: {label}: {value!r} is not a lowercase DNS name (e.g. app.healthtech-platform.com)"
        elif not local and is_reserved_domain(value):
            yield f"{env}: {label}: {value!r} is reserved for examples; use a domain you own"
    if (lb.domain_name is None) != (lb.hosted_zone is None):
        yield (
            f"{env}: load_balancer.domain_name/hosted_zone: give both (the name and the Route 53 public hosted "
            "zone that holds it) or neither"
        )
    elif (
        lb.domain_name
        and lb.hosted_zone
        and lb.domain_name != lb.hosted_zone
        and not lb.domain_name.endswith(f".{lb.hosted_zone}")
    ):
        yield f"{env}: load_balancer.domain_name: {lb.domain_name!r} is not in the hosted zone {lb.hosted_zone!r}"


def _subscriber_problems(cfg: EnvironmentConfig, *, local: bool) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    obs = cfg.observability
    email = obs.alarm_email
    if email is None:
        if obs.alarm_email_required:
            yield (
                f"{env}: observability.alarm_email: required (an address that confirms the alarm topic "
                "subscription); only an environment with observability.alarm_email_required=False may omit it"
            )
    elif not EMAIL.match(email):
        yield f"{env}: observability.alarm_email: {email!r} is not an email address (e.g. oncall@your-company.com)"
    elif not local and is_reserved_domain(email):
        yield (
            f"{env}: observability.alarm_email: {email!r} is on a domain reserved for examples and can never "
            "confirm the subscription; use a real mailbox"
        )

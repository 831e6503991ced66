"""GitHub Actions OIDC tokens as the local endpoint sees them, and the credentials they are exchanged for.

The tokens carry GitHub's claims (GitHub docs, "OpenID Connect": ``iss``, ``aud``, ``sub``, ``exp``) and a
dummy signature: the local endpoint does not verify signatures (tooling/moto_patches_iam.py).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from typing import Any

import boto3
import botocore
from botocore.config import Config

from config.ci import GITHUB_OIDC_URL, STS_AUDIENCE

NO_RETRIES = Config(retries={"total_max_attempts": 1})


def _part(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def github_token(sub: str, *, aud: str = STS_AUDIENCE, iss: str = GITHUB_OIDC_URL, ttl: float = 600) -> str:
    claims = {"iss": iss, "aud": aud, "sub": sub, "exp": int(time.time() + ttl), "repository_owner": "x"}
    return f"{_part({'alg': 'RS256', 'typ': 'JWT'})}.{_part(claims)}.signature"


def assume(endpoint: str, role_arn: str, token: str, region: str = "eu-south-1") -> dict[str, str]:
    """What aws-actions/configure-aws-credentials does with the token: an unsigned AssumeRoleWithWebIdentity."""
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name=region,
        config=NO_RETRIES.merge(Config(signature_version=botocore.UNSIGNED)),
    )
    credentials: dict[str, str] = sts.assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="github-actions", WebIdentityToken=token
    )["Credentials"]
    return credentials


def client(endpoint: str, service: str, credentials: dict[str, str], region: str = "eu-south-1") -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        config=NO_RETRIES,
    )


def enforce_iam(endpoint: str, on: bool) -> None:
    """Switch moto's IAM enforcement: every later request must be signed by credentials moto issued."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=b"0" if on else b"inf",
        method="POST",
        headers={"Content-Type": "text/plain"},  # moto reads the raw body, which a form body would hide
    )
    urllib.request.urlopen(request, timeout=10).close()

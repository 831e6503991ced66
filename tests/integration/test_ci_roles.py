"""The CI roles on the local endpoint with IAM enforced: each assumed with a GitHub-shaped OIDC token.

The state bootstrap is applied with moto's open access, then IAM is enforced (``/moto-api/reset-auth``):
from there on only credentials moto issued through AssumeRoleWithWebIdentity work, so every call below
runs as one of the roles. Proven here: who may assume which role (the trust policies, evaluated by the
patch in tooling/moto_patches_iam.py); a plan as the plan role reads the bootstrap and dev's state, takes
and releases both locks, and cannot apply or write state; dev's deploy role writes dev's state and is
refused staging's state, lockfile and lock item. What moto cannot show (token signatures, tag conditions,
KMS) is asserted on the synthesized JSON in tests/stacks/test_ci_access.py.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from config.account import state_bucket, state_object_key
from config.environments import GITHUB_REPOSITORY
from config.naming import stack_name
from main import ENV_LOCAL_ENDPOINT, ENV_SELECT, selected_configs, synthesize
from stacks.state_bootstrap import BOOTSTRAP_STACK
from tests.github_tokens import assume, client, enforce_iam, github_token
from tooling.local import LocalServer, Terraform, free_port, start_server, stop_server

pytestmark = pytest.mark.integration
REPO = GITHUB_REPOSITORY
PULL_REQUEST = 42
"""The pull request whose plan job's token the plan role is assumed with (its sub carries the number)."""


@dataclass
class CiEndpoint:
    server: LocalServer
    outdir: Path
    tf_cli_config: Path
    outputs: dict[str, Any]
    bucket: str
    lock_table: str

    def credentials(self, role_arn: str, sub: str) -> dict[str, str]:
        return assume(self.server.url, role_arn, github_token(sub))

    def plan_credentials(self) -> dict[str, str]:
        return self.credentials(self.outputs["PlanRoleArn"], REPO.pull_request_subject(PULL_REQUEST))

    def deploy_credentials(self, env: str) -> dict[str, str]:
        return self.credentials(self.outputs["DeployRoleArns"][env], REPO.deploy_subject(env))

    def as_role(self, stack: str, label: str, credentials: dict[str, str], *, init: bool = True) -> Terraform:
        """A copy of ``stack`` (same depth, so relative paths hold) whose provider and backend use ``credentials``."""
        source = self.outdir / "stacks" / stack
        target = source.with_name(f"{stack}-{label}")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(".terraform*"))
        path = target / "cdk.tf.json"
        doc = json.loads(path.read_text())
        keys = {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
        }
        doc["provider"]["aws"][0].update(keys)
        if "s3" in doc["terraform"]["backend"]:
            doc["terraform"]["backend"]["s3"].update(keys)
        path.write_text(json.dumps(doc))
        terraform = Terraform(target, self.tf_cli_config)
        if init:
            terraform.init()
        return terraform


@pytest.fixture(scope="module")
def ci_access(tmp_path_factory: pytest.TempPathFactory, tf_cli_config: Path) -> Iterator[CiEndpoint]:
    work = tmp_path_factory.mktemp("ci-roles")
    server = start_server(free_port(), log_path=work / "moto.log")
    try:
        configs = selected_configs({ENV_SELECT: "dev,staging", ENV_LOCAL_ENDPOINT: server.url})
        outdir = work / "cdktf.out"
        synthesize(configs, outdir, local_endpoint=server.url, bootstrap_state_file=work / "bootstrap.tfstate")
        bootstrap = Terraform(outdir / "stacks" / BOOTSTRAP_STACK, tf_cli_config)
        bootstrap.init()
        bootstrap.apply()
        outputs = bootstrap.outputs()
        enforce_iam(server.url, on=True)
        yield CiEndpoint(server, outdir, tf_cli_config, outputs, state_bucket(configs[0]), configs[0].state.lock_table)
    finally:
        stop_server(server)


def _denied(call: Any, **kwargs: Any) -> bool:
    """Whether ``call`` is refused by IAM: HTTP 403 AccessDenied (moto answers DynamoDB's in XML, which
    botocore leaves unparsed, so the code is looked for in the whole error)."""
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403 and "AccessDenied" in str(raised.value)


def test_each_role_is_assumed_only_with_its_own_tokens(ci_access: CiEndpoint) -> None:
    plan, deploy = ci_access.outputs["PlanRoleArn"], ci_access.outputs["DeployRoleArns"]
    assert sorted(deploy) == ["dev", "prod", "staging"]  # every environment on this backend, not only the selected
    assert ci_access.plan_credentials()["AccessKeyId"]
    assert ci_access.deploy_credentials("dev")["AccessKeyId"]
    other_repo = REPO.pull_request_subject(PULL_REQUEST).replace(REPO.full_name, f"{REPO.owner}/another-repo")
    refused = [
        (plan, REPO.deploy_subject("dev")),  # a deploy job's token cannot plan
        (plan, other_repo),  # another repository of the same owner
        (plan, f"repo:{REPO.full_name}:pull_request"),  # the default template's subject
        (deploy["dev"], REPO.pull_request_subject(PULL_REQUEST)),  # a pull request cannot deploy
        (deploy["dev"], REPO.deploy_subject("staging")),  # staging's job cannot deploy dev
        (deploy["staging"], REPO.deploy_subject("dev")),
        (deploy["dev"], f"repo:{REPO.full_name}:environment:dev"),  # the default template's: any branch
        (deploy["dev"], REPO.deploy_subject("dev").replace(":ref:refs/heads/", ":ref:refs/heads/x-")),  # another branch
        (deploy["dev"], f"repo:{REPO.full_name}:ref:refs/heads/main"),  # a push outside the environment
    ]
    for role, sub in refused:
        with pytest.raises(ClientError, match="AccessDenied"):
            ci_access.credentials(role, sub)
    with pytest.raises(ClientError, match="Incorrect token audience"):
        assume(
            ci_access.server.url,
            plan,
            github_token(REPO.pull_request_subject(PULL_REQUEST), aud="https://github.com/x"),
        )
    with pytest.raises(ClientError, match="No OpenIDConnect provider"):
        assume(
            ci_access.server.url,
            plan,
            github_token(REPO.pull_request_subject(PULL_REQUEST), iss="https://evil.example"),
        )


def _empty_state() -> str:
    return json.dumps({"version": 4, "serial": 1, "lineage": str(uuid.uuid4()), "resources": [], "outputs": {}})


def test_dev_deploy_role_writes_dev_state_and_is_refused_staging(ci_access: CiEndpoint) -> None:
    credentials = ci_access.deploy_credentials("dev")
    dev = ci_access.as_role(stack_name("dev"), "deploy-dev", credentials)
    empty = dev.stack_dir / "empty.tfstate"
    empty.write_text(_empty_state())
    pushed = dev.run("state", "push", "-lock-timeout=0s", str(empty), check=False, capture=True)
    assert pushed.returncode == 0, pushed.stderr
    s3 = client(ci_access.server.url, "s3", credentials)
    dev_key, staging_key = (state_object_key(c) for c in selected_configs({ENV_SELECT: "dev,staging"}))
    assert json.loads(s3.get_object(Bucket=ci_access.bucket, Key=dev_key)["Body"].read())["serial"] == 1

    # With dev's credentials, staging's backend does not even initialize: its state cannot be read.
    staging = ci_access.as_role(stack_name("staging"), "deploy-dev", credentials, init=False)
    refused = staging.run("init", "-input=false", "-reconfigure", "-no-color", check=False, capture=True)
    assert refused.returncode == 1, refused.stderr
    assert f'Unable to access object "{staging_key}"' in refused.stderr and "StatusCode: 403" in refused.stderr
    assert _denied(s3.get_object, Bucket=ci_access.bucket, Key=staging_key)
    assert _denied(s3.put_object, Bucket=ci_access.bucket, Key=staging_key, Body=b"{}")
    lockfile = f"{staging_key}.tflock"
    assert _denied(s3.put_object, Bucket=ci_access.bucket, Key=lockfile, Body=b"{}")
    dynamodb = client(ci_access.server.url, "dynamodb", credentials)
    for lock_id in (f"{ci_access.bucket}/{staging_key}", f"{ci_access.bucket}/{staging_key}-md5"):
        item = {"LockID": {"S": lock_id}, "Info": {"S": "{}"}}
        assert _denied(dynamodb.put_item, TableName=ci_access.lock_table, Item=item)
    # dev's own lock item is writable (and removed again).
    dev_lock = {"LockID": {"S": f"{ci_access.bucket}/{dev_key}"}}
    dynamodb.put_item(TableName=ci_access.lock_table, Item=dev_lock)
    dynamodb.delete_item(TableName=ci_access.lock_table, Key=dev_lock)


def test_the_plan_role_reads_the_bootstrap_without_a_change(ci_access: CiEndpoint) -> None:
    bootstrap = ci_access.as_role(BOOTSTRAP_STACK, "plan", ci_access.plan_credentials())
    planned = bootstrap.run("plan", "-input=false", "-detailed-exitcode", "-no-color", check=False, capture=True)
    # 0: every resource was refreshed with the plan role's reads and matches the configuration.
    assert planned.returncode == 0, planned.stdout + planned.stderr


def test_a_plan_as_the_plan_role_locks_reads_state_and_cannot_apply(ci_access: CiEndpoint) -> None:
    credentials = ci_access.plan_credentials()
    dev_key = state_object_key(selected_configs({ENV_SELECT: "dev"})[0])
    s3 = client(ci_access.server.url, "s3", credentials)
    if not s3.list_objects_v2(Bucket=ci_access.bucket, Prefix=dev_key).get("KeyCount"):
        deploy = ci_access.as_role(stack_name("dev"), "seed", ci_access.deploy_credentials("dev"))
        (deploy.stack_dir / "empty.tfstate").write_text(_empty_state())
        deploy.run("state", "push", str(deploy.stack_dir / "empty.tfstate"), capture=True)
    before = s3.get_object(Bucket=ci_access.bucket, Key=dev_key)["Body"].read()

    dev = ci_access.as_role(stack_name("dev"), "plan", credentials)
    planned = dev.run(
        "plan", "-input=false", "-lock-timeout=0s", "-detailed-exitcode", "-no-color", check=False, capture=True
    )
    assert planned.returncode == 2, planned.stdout + planned.stderr  # dev is not deployed here: all to add
    dynamodb = client(ci_access.server.url, "dynamodb", credentials)
    lock = {"LockID": {"S": f"{ci_access.bucket}/{dev_key}"}}
    assert "Item" not in dynamodb.get_item(TableName=ci_access.lock_table, Key=lock)  # released
    with pytest.raises(ClientError, match="404"):
        s3.head_object(Bucket=ci_access.bucket, Key=f"{dev_key}.tflock")

    applied = dev.run(
        "apply", "-input=false", "-auto-approve", "-lock-timeout=0s", "-no-color", check=False, capture=True
    )
    assert applied.returncode == 1, applied.stdout + applied.stderr
    assert "Creation complete" not in applied.stdout  # every create was refused (403) ...
    assert "StatusCode: 403" in applied.stderr
    # ... and so was Terraform's write of the state at the end of the failed apply.
    assert "Failed to save state" in applied.stderr and "S3: PutObject" in applied.stderr
    vpcs = client(ci_access.server.url, "ec2", credentials).describe_vpcs()["Vpcs"]
    assert [v["IsDefault"] for v in vpcs] == [True]  # moto's default VPC only: nothing of dev was created
    empty = dev.stack_dir / "empty.tfstate"
    empty.write_text(_empty_state())
    pushed = dev.run("state", "push", "-force", "-lock-timeout=0s", str(empty), check=False, capture=True)
    assert pushed.returncode == 1 and "AccessDenied" in pushed.stderr, pushed.stderr
    assert s3.get_object(Bucket=ci_access.bucket, Key=dev_key)["Body"].read() == before  # state untouched
    assert "Item" not in dynamodb.get_item(TableName=ci_access.lock_table, Key=lock)

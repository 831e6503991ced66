"""Synthesize one Terraform stack per environment into ``cdktf.out/``.

    HEALTHTECH_ENVIRONMENTS=dev,prod   only these environments (default: every one in config/)
    HEALTHTECH_LOCAL_ENDPOINT=URL      point provider and backend at a local AWS endpoint (moto)
    HEALTHTECH_BOOTSTRAP_STATE=PATH    local state file of the state bootstrap stack (default
                                       bootstrap/terraform.tfstate; .local/bootstrap/... in local mode)

Besides one stack per environment, the app always synthesizes ``healthtech-state-bootstrap``: the
state bucket, lock table and key the selected environments' S3 backends use (deployed once, first).

Configuration is validated before any construct is built, and the app synthesizes into a scratch
directory that replaces ``cdktf.out/`` only on success, so a failed synth writes nothing there.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from config import ENVIRONMENTS, ConfigError, EnvironmentConfig, StateBackendSettings, select
from config.account import in_local_account, state_bucket
from config.ci import (
    GitHubRepository,
    deploy_scope_problems,
    environment_problems,
    repository_problems,
    served_environments,
)
from config.environments import GITHUB_REPOSITORY

if TYPE_CHECKING:
    from cdktf import App

    from stacks.platform_stack import PlatformStack
    from stacks.state_bootstrap import StateBootstrapStack

ENV_SELECT = "HEALTHTECH_ENVIRONMENTS"
ENV_LOCAL_ENDPOINT = "HEALTHTECH_LOCAL_ENDPOINT"
ENV_BOOTSTRAP_STATE = "HEALTHTECH_BOOTSTRAP_STATE"
DEFAULT_OUTDIR = "cdktf.out"
ROOT = Path(__file__).resolve().parent
BOOTSTRAP_STATE_FILE = ROOT / "bootstrap" / "terraform.tfstate"
LOCAL_BOOTSTRAP_STATE_FILE = ROOT / ".local" / "bootstrap" / "terraform.tfstate"


def selected_configs(
    environ: Mapping[str, str], registry: Mapping[str, EnvironmentConfig] = ENVIRONMENTS
) -> list[EnvironmentConfig]:
    """The selected environments, validated. With a local endpoint they deploy into its account, where
    documentation placeholders are allowed (moto's own account is one)."""
    requested = environ.get(ENV_SELECT)
    local = bool(environ.get(ENV_LOCAL_ENDPOINT))
    configs = select(registry, requested.split(",") if requested else None, local=local)
    return [in_local_account(c) for c in configs] if local else configs


def build_stacks(
    app: App, configs: list[EnvironmentConfig], *, local_endpoint: str | None = None
) -> list[PlatformStack]:
    """One ``PlatformStack`` per config in ``app``, in local mode when ``local_endpoint`` is given."""
    from stacks.local_endpoint import LocalEndpoint
    from stacks.platform_stack import PlatformStack

    local = LocalEndpoint(url=local_endpoint) if local_endpoint else None
    return [PlatformStack(app, in_local_account(cfg) if local else cfg, local=local) for cfg in configs]


def shared_state(configs: list[EnvironmentConfig]) -> StateBackendSettings:
    """The state backend the selected environments share; one bootstrap serves one bucket and table."""
    backends = {(state_bucket(c), c.state.lock_table, c.state.region, c.account_id): c for c in configs}
    if len(backends) != 1:
        names = "; ".join(f"{c.name}: {b[0]}/{b[1]} in {b[2]} of account {b[3]}" for b, c in backends.items())
        raise ConfigError(
            [
                f"state: the selected environments use different state backends ({names}); "
                f"select the environments of one account/region with {ENV_SELECT}"
            ]
        )
    return dataclasses.replace(configs[0].state, bucket=state_bucket(configs[0]))


def build_bootstrap_stack(
    app: App,
    configs: list[EnvironmentConfig],
    *,
    outdir: Path,
    state_file: Path,
    local_endpoint: str | None = None,
    repository: GitHubRepository = GITHUB_REPOSITORY,
    registry: Mapping[str, EnvironmentConfig] = ENVIRONMENTS,
) -> StateBootstrapStack:
    """The state bootstrap for the backend ``configs`` share, its local state kept at ``state_file``, with
    the CI roles of ``repository``: a deploy role for each environment of ``registry`` on that backend."""
    from stacks.local_endpoint import LocalEndpoint
    from stacks.state_bootstrap import BOOTSTRAP_STACK, StateBootstrapStack

    # Terraform resolves a local backend path from the stack's working directory, cdktf.out/stacks/<stack>.
    stack_dir = outdir.resolve() / "stacks" / BOOTSTRAP_STACK
    if local_endpoint:
        configs = [in_local_account(c) for c in configs]
        registry = {name: in_local_account(c) for name, c in registry.items()}
    served = served_environments(configs, registry)
    return StateBootstrapStack(
        app,
        state=shared_state(configs),
        account_id=configs[0].account_id,
        state_file=os.path.relpath(state_file.resolve(), stack_dir),
        owner=configs[0].owner,
        cost_center=configs[0].cost_center,
        repository=repository,
        deploy_environments=[c.name for c in served],
        deploy_domains={c.name: c.load_balancer.domain_name for c in served if c.load_balancer.domain_name},
        local=LocalEndpoint(url=local_endpoint) if local_endpoint else None,
    )


def synthesize(
    configs: list[EnvironmentConfig],
    outdir: Path,
    *,
    local_endpoint: str | None = None,
    bootstrap_state_file: Path | None = None,
) -> list[str]:
    """Build and synthesize one stack per config plus the state bootstrap into ``outdir``, replaced whole
    only on success. Return the stack names, environments first."""
    # Imported here so that configuration errors are reported without loading the provider bindings.
    from tooling import quiet_jsii

    quiet_jsii()
    from cdktf import App, TerraformStack

    outdir = outdir.resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-", dir=outdir.parent))
    try:
        app = App(outdir=str(scratch))
        stacks: list[TerraformStack] = [*build_stacks(app, configs, local_endpoint=local_endpoint)]
        default_state = LOCAL_BOOTSTRAP_STATE_FILE if local_endpoint else BOOTSTRAP_STATE_FILE
        stacks.append(
            build_bootstrap_stack(
                app,
                configs,
                outdir=outdir,  # not the scratch directory: Terraform runs the stack from its final place
                state_file=bootstrap_state_file or default_state,
                local_endpoint=local_endpoint,
            )
        )
        app.synth()
        _replace(outdir, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [s.node.id for s in stacks]


def _replace(target: Path, new: Path) -> None:
    old = target.with_name(f".{target.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def main(environ: Mapping[str, str] = os.environ, registry: Mapping[str, EnvironmentConfig] = ENVIRONMENTS) -> int:
    try:
        configs = selected_configs(environ, registry)
        shared_state(configs)
        problems = [
            *repository_problems(GITHUB_REPOSITORY, local=bool(environ.get(ENV_LOCAL_ENDPOINT))),
            *environment_problems(GITHUB_REPOSITORY, list(registry)),  # the deploy roles trust their branches
            *deploy_scope_problems(served_environments(configs, registry)),
        ]
        if problems:
            raise ConfigError(problems)
    except ConfigError as error:
        print(f"synth refused, nothing written: {error}", file=sys.stderr)
        return 2
    outdir = Path(environ.get("CDKTF_OUTDIR") or DEFAULT_OUTDIR)
    state_file = environ.get(ENV_BOOTSTRAP_STATE)
    names = synthesize(
        configs,
        outdir,
        local_endpoint=environ.get(ENV_LOCAL_ENDPOINT) or None,
        bootstrap_state_file=Path(state_file) if state_file else None,
    )
    print(f"synthesized {', '.join(names)} into {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

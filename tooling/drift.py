"""Drift check: ``terraform plan -detailed-exitcode`` for each environment, one clear exit status.

    python -m tooling.drift [ENV ...]      default: $HEALTHTECH_ENVIRONMENTS, else every environment

Synthesizes the selected environments (in local mode when ``HEALTHTECH_LOCAL_ENDPOINT`` is set) into
``$CDKTF_OUTDIR`` (default ``cdktf.out``), then initializes and plans each stack against its S3 backend.
Exit status: 0 every environment matches its code, 2 at least one has drift (and none failed), 1 a
plan or an init failed (or the configuration is invalid). Needs credentials that can read the
environments and take the state lock (the read-only plan role of the PR workflow is enough).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from config.naming import stack_name
from tooling.local import ROOT, Terraform
from tooling.terraform_cli import write_cli_config

CLEAN, ERROR, DRIFT = 0, 1, 2
_MEANING = {CLEAN: "no drift", DRIFT: "DRIFT: the plan has changes", ERROR: "ERROR: init or plan failed"}


@dataclass(frozen=True, kw_only=True)
class StackDrift:
    """The outcome of one stack's plan."""

    stack: str
    code: int
    """Terraform's ``-detailed-exitcode``: 0 no changes, 2 changes, anything else an error."""

    @property
    def status(self) -> int:
        return self.code if self.code in (CLEAN, DRIFT) else ERROR

    def line(self) -> str:
        return f"  {self.stack:<32} {_MEANING[self.status]}"


def overall_status(results: list[StackDrift]) -> int:
    """1 if any stack failed (an unknown state is never reported as clean), else 2 if any drifted, else 0."""
    statuses = {r.status for r in results}
    if not results or ERROR in statuses:
        return ERROR
    return DRIFT if DRIFT in statuses else CLEAN


def check_stack(stack_dir: Path, cli_config: Path) -> StackDrift:
    """Init (against the stack's backend) and plan one synthesized stack."""
    terraform = Terraform(stack_dir, cli_config)
    init = terraform.run("init", "-input=false", "-reconfigure", "-no-color", check=False, capture=True)
    if init.returncode != 0:
        print(init.stdout + init.stderr, file=sys.stderr)
        return StackDrift(stack=stack_dir.name, code=init.returncode)
    return StackDrift(stack=stack_dir.name, code=terraform.plan_exit_code(lock_timeout="120s", color=False))


def summary(results: list[StackDrift]) -> str:
    status = overall_status(results)
    lines = ["drift check:", *(r.line() for r in results), f"exit {status}: {_MEANING[status]}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    from config import ConfigError
    from main import DEFAULT_OUTDIR, ENV_LOCAL_ENDPOINT, ENV_SELECT, selected_configs, synthesize
    from tooling import quiet_jsii

    quiet_jsii()
    names = list(sys.argv[1:] if argv is None else argv)
    selection = {ENV_SELECT: ",".join(names)} if names else {k: v for k, v in environ.items() if k == ENV_SELECT}
    try:
        configs = selected_configs(selection)
    except ConfigError as error:
        print(f"drift check refused: {error}", file=sys.stderr)
        return ERROR
    outdir = Path(environ.get("CDKTF_OUTDIR") or ROOT / DEFAULT_OUTDIR)
    synthesize(configs, outdir, local_endpoint=environ.get(ENV_LOCAL_ENDPOINT) or None)
    cli_config = write_cli_config(ROOT / ".terraform-cli.hcl")
    results = [check_stack(outdir / "stacks" / stack_name(c.name), cli_config) for c in configs]
    print(summary(results))
    return overall_status(results)


if __name__ == "__main__":
    sys.exit(main())

"""Synthesize one Terraform stack per environment into ``cdktf.out/``.

    HEALTHTECH_ENVIRONMENTS=dev,prod   only these environments (default: every one in config/)
    HEALTHTECH_LOCAL_ENDPOINT=URL      point provider and backend at a local AWS endpoint (moto)

Configuration is validated before any construct is built, and the app synthesizes into a scratch
directory that replaces ``cdktf.out/`` only on success, so a failed synth writes nothing there.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from config import ENVIRONMENTS, ConfigError, EnvironmentConfig, select

if TYPE_CHECKING:
    from cdktf import App

    from stacks.platform_stack import PlatformStack

ENV_SELECT = "HEALTHTECH_ENVIRONMENTS"
ENV_LOCAL_ENDPOINT = "HEALTHTECH_LOCAL_ENDPOINT"
DEFAULT_OUTDIR = "cdktf.out"


def selected_configs(
    environ: Mapping[str, str], registry: Mapping[str, EnvironmentConfig] = ENVIRONMENTS
) -> list[EnvironmentConfig]:
    requested = environ.get(ENV_SELECT)
    return select(registry, requested.split(",") if requested else None)


def build_stacks(
    app: App, configs: list[EnvironmentConfig], *, local_endpoint: str | None = None
) -> list[PlatformStack]:
    """One ``PlatformStack`` per config in ``app``, in local mode when ``local_endpoint`` is given."""
    from stacks.local_endpoint import LocalEndpoint
    from stacks.platform_stack import PlatformStack

    local = LocalEndpoint(url=local_endpoint) if local_endpoint else None
    return [PlatformStack(app, cfg, local=local) for cfg in configs]


def synthesize(configs: list[EnvironmentConfig], outdir: Path, *, local_endpoint: str | None = None) -> list[str]:
    """Build and synthesize one stack per config into ``outdir``, replaced whole only on success."""
    # Imported here so that configuration errors are reported without loading the provider bindings.
    from tooling import quiet_jsii

    quiet_jsii()
    from cdktf import App

    outdir = outdir.resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-", dir=outdir.parent))
    try:
        app = App(outdir=str(scratch))
        stacks = build_stacks(app, configs, local_endpoint=local_endpoint)
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
    except ConfigError as error:
        print(f"synth refused, nothing written: {error}", file=sys.stderr)
        return 2
    outdir = Path(environ.get("CDKTF_OUTDIR") or DEFAULT_OUTDIR)
    names = synthesize(configs, outdir, local_endpoint=environ.get(ENV_LOCAL_ENDPOINT) or None)
    print(f"synthesized {', '.join(names)} into {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write the Terraform CLI configuration: a provider filesystem mirror when there is one, else the registry.

    python -m tooling.terraform_cli [PATH]     writes PATH (default .terraform-cli.hcl) and prints it

The mirror is ``$HEALTHTECH_TF_PROVIDER_MIRROR`` when set (an error if it lacks the provider), else
the first of :data:`MIRROR_CANDIDATES` holding hashicorp/aws at the pinned version. Point Terraform at
the file with ``export TF_CLI_CONFIG_FILE=$PWD/.terraform-cli.hcl``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

PROVIDER_PATH = Path("registry.terraform.io/hashicorp/aws/5.100.0")
ENV_MIRROR = "HEALTHTECH_TF_PROVIDER_MIRROR"
MIRROR_CANDIDATES: tuple[Path, ...] = (
    Path("/opt/tf-plugins"),
    Path.home() / ".terraform.d/plugins",
    Path.home() / ".local/share/terraform/plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
)
DEFAULT_PATH = Path(".terraform-cli.hcl")
GO_GC_PERCENT = "400"
"""Go's garbage-collector target (``GOGC``) for terraform and the provider it starts, unless already set.

Both are Go programs that allocate heavily while they decode the AWS provider's ~1,500 schemas and
diff 139 resources, and at Go's default (100) the collector runs many times per command. At 400 a plan
of dev costs ~20% less CPU (empty state 16.3 -> 12.5 s, deployed state 21.3 -> 17.1 s, two runs each),
and the whole test suite 881 -> 675 s of CPU, for ~200 MB more peak memory per provider process (315 ->
523 MB). ``off`` is slower (the heap outgrows the caches); 800 saved nothing more over the whole suite
(the provider's CPU 220.6 -> 218.5 s, more system time) for another 150 MB. Measured in bench/RESULTS.md
("2026-12-08, issue 22: Go's collector, the groups' order, the unit suite's workers")."""


class MirrorError(RuntimeError):
    pass


def find_mirror(
    environ: Mapping[str, str] = os.environ, candidates: tuple[Path, ...] = MIRROR_CANDIDATES
) -> Path | None:
    """The provider mirror directory to use, or None to use the public registry."""
    explicit = environ.get(ENV_MIRROR)
    if explicit:
        mirror = Path(explicit)
        if not (mirror / PROVIDER_PATH).is_dir():
            raise MirrorError(f"{ENV_MIRROR}={explicit}: no {PROVIDER_PATH} below it; unset it to use the registry")
        return mirror
    return next((c for c in candidates if (c / PROVIDER_PATH).is_dir()), None)


def render(mirror: Path | None) -> str:
    if mirror is None:
        return (
            "# No provider mirror found: providers come from the public registry.\n"
            "provider_installation {\n  direct {}\n}\n"
        )
    return (
        f"# Providers from the filesystem mirror at {mirror}; anything else from the registry.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "}\n"
    )


def write_cli_config(path: Path = DEFAULT_PATH, environ: Mapping[str, str] = os.environ) -> Path:
    """Write the CLI config to ``path`` (only when its content changes) and return its absolute path."""
    text = render(find_mirror(environ))
    path = path.resolve()
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def terraform_env(cli_config: Path, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """An environment for running terraform with ``cli_config``, no interactive prompts and :data:`GO_GC_PERCENT`."""
    env = dict(environ)
    env.setdefault("GOGC", GO_GC_PERCENT)  # an operator's own GOGC wins
    env.update(
        {"TF_CLI_CONFIG_FILE": str(cli_config), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
    )
    return env


if __name__ == "__main__":
    target = write_cli_config(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH)
    print(target.read_text(), end="")
    print(f"export TF_CLI_CONFIG_FILE={target}", file=sys.stderr)

#!/usr/bin/env bash
# Install everything the project needs from its own lock files: Python packages (Pipfile.lock) into
# ./.venv, cdktf-cli (package-lock.json) into ./node_modules, and the Terraform CLI config that uses
# the provider mirror when the machine has one. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v terraform >/dev/null || { echo "terraform >= 1.10 must be on PATH (https://developer.hashicorp.com/terraform/install)" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js >= 20 with npm must be on PATH" >&2; exit 1; }

python3 -m pip install --quiet --disable-pip-version-check "pipenv>=2024.0"
export PIPENV_VENV_IN_PROJECT=1 PIPENV_NOSPIN=1 PIPENV_VERBOSITY=-1
python3 -m pipenv sync --dev
npm ci --no-audit --no-fund --loglevel=error
.venv/bin/python -m tooling.terraform_cli .terraform-cli.hcl >/dev/null 2>&1
echo "setup done: .venv, node_modules, .terraform-cli.hcl (export TF_CLI_CONFIG_FILE=\$PWD/.terraform-cli.hcl)"

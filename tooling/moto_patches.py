"""Patches to moto, applied only inside the local endpoint's process.

Each patch closes one gap between moto and the AWS behaviour Terraform relies on for our topology.
Every patch has a test in tests/tooling/test_moto_patches.py that fails once upstream moto no longer
needs it, so the patch can be deleted then.
"""

from __future__ import annotations

from collections.abc import Callable

PATCHES: list[Callable[[], None]] = []


def apply_all() -> None:
    for patch in PATCHES:
        patch()

"""Run moto's server on loopback with our patches applied: ``python -m tooling.moto_server --port 5055``."""

from __future__ import annotations

import argparse
import os

from tooling import moto_patches, moto_patches_iam, moto_patches_locks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        parser.error("the local endpoint listens on loopback only")
    # Managed policies (e.g. AmazonECSTaskExecutionRolePolicy) exist in AWS; moto loads them only on request.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # moto issues a DNS-validated certificate once it is this many seconds old (its default is 60, which
    # aws_acm_certificate_validation would sit through on every apply); AWS issues after the CNAME resolves.
    os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", "5")
    moto_patches.apply_all()
    moto_patches_iam.apply_all()
    moto_patches_locks.apply_all()
    from moto.server import main as moto_main

    moto_main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    main()

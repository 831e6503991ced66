"""Run moto's server on loopback with our patches applied: ``python -m tooling.moto_server --port 5055``."""

from __future__ import annotations

import argparse
import os

from tooling import moto_patches, moto_patches_iam, moto_patches_locks
from tooling.moto_request_log import RequestLog


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
    os.environ.setdefault("MOTO_PORT", str(args.port))
    import signal

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from moto.server import signal_handler
    from werkzeug.serving import run_simple

    # moto's own `moto_server` main, with the request log (tooling/moto_request_log.py) around its app.
    signal.signal(signal.SIGINT, signal_handler)
    signal.signal(signal.SIGTERM, signal_handler)
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # type: ignore[attr-defined]
    run_simple(args.host, args.port, RequestLog(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()

"""The HTTP service: the health path, a readiness path and one example endpoint, on the standard library.

``python -m app`` runs it. No web framework: the reference app shows the contract, and every dependency
is one more package for each team to patch.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any

from app import settings as app_settings
from app.health import HealthReporter

READY_PATH = "/ready"
log = logging.getLogger("app")


class Service(ThreadingHTTPServer):
    # Threads die with the process: a stuck database probe must not hold up a SIGTERM stop.
    daemon_threads = True

    def __init__(self, settings: app_settings.Settings, reporter: HealthReporter, host: str = "0.0.0.0") -> None:
        self.settings = settings
        self.reporter = reporter
        super().__init__((host, settings.port), Handler)


class Handler(BaseHTTPRequestHandler):
    server: Service
    server_version = "healthtech-app"
    sys_version = ""  # no Python version in the Server header

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == self.server.settings.health_path:
            # Liveness for the ALB and the container check: 200 while the process serves (see app/health.py).
            self._json(HTTPStatus.OK, self.server.reporter.report())
        elif path == READY_PATH:
            body = self.server.reporter.report()
            self._json(HTTPStatus.OK if body["ready"] else HTTPStatus.SERVICE_UNAVAILABLE, body)
        elif path == "/":
            self._json(HTTPStatus.OK, {"service": "healthtech reference application"})
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def _json(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        payload = json.dumps(body, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        # Health polls every few seconds from every ALB node would drown the access log; errors still show.
        if self.path.split("?", 1)[0] == self.server.settings.health_path and str(args[1:2]) == "('200',)":
            return
        log.info("%s %s", self.address_string(), format % args)


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(message)s")
    try:
        settings = app_settings.load()
    except app_settings.ConfigurationError as error:
        log.error("%s", error)
        return 2
    service = Service(settings, HealthReporter(settings))

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run off the serving thread.
        threading.Thread(target=service.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("listening on port %d, health path %s", settings.port, settings.health_path)
    service.serve_forever()
    service.server_close()
    log.info("stopped")
    return 0

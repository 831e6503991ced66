"""The HTTP service in-process on a free port: the health body, its status codes, the container check."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from app import healthcheck
from app.database import DatabaseStatus
from app.health import PROBE_PREFIX, HealthReporter, probe_storage
from app.server import Service
from app.settings import DatabaseSettings, Settings
from tests.app.local_postgres import free_port


@contextmanager
def serving(settings: Settings, cache_seconds: float = 0.0) -> Iterator[int]:
    service = Service(settings, HealthReporter(settings, cache_seconds=cache_seconds), host="127.0.0.1")
    thread = threading.Thread(target=service.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(service.server_address[1])
    finally:
        service.shutdown()
        service.server_close()
        thread.join(5)


def get(port: int, path: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_healthy_service_reports_database_over_tls_and_writable_storage(
    master_settings: DatabaseSettings, data_dir: Path
) -> None:
    settings = Settings(port=free_port(), data_dir=data_dir, database=master_settings)
    with serving(settings) as port:
        status, body = get(port, "/health")
        ready_status, _ = get(port, "/ready")
        assert healthcheck.check(port, "/health") == (True, f"http://127.0.0.1:{port}/health: 200")
    assert (status, ready_status) == (200, 200)
    assert body["status"] == "ok" and body["ready"] is True
    assert body["checks"]["storage"] == {"writable": True, "path": str(data_dir)}
    database = body["checks"]["database"]
    assert (database["reachable"], database["tls"]) == (True, True)
    assert list(data_dir.iterdir()) == []  # the probe file is gone


def test_a_database_outage_keeps_health_at_200_and_makes_ready_503(
    master_settings: DatabaseSettings, data_dir: Path
) -> None:
    # 200 on /health: the ALB keeps the tasks, ECS does not replace them for a fault outside the image.
    closed = replace(master_settings, port=free_port(), connect_timeout_seconds=1.0)
    settings = Settings(port=free_port(), data_dir=data_dir, database=closed)
    with serving(settings) as port:
        status, body = get(port, "/health")
        ready_status, ready_body = get(port, "/ready")
        assert healthcheck.check(port, "/health")[0] is True
    assert status == 200 and body["status"] == "degraded" and body["ready"] is False
    assert body["checks"]["database"]["reachable"] is False
    assert "Can't create a connection" in body["checks"]["database"]["error"]
    assert ready_status == 503 and ready_body["checks"]["database"]["reachable"] is False


def test_storage_that_takes_no_writes_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "not-mounted"
    settings = Settings(port=free_port(), data_dir=missing, database=None)
    with serving(settings) as port:
        status, body = get(port, "/health")
        ready_status, _ = get(port, "/ready")
    assert (status, ready_status) == (200, 503)
    assert body["checks"]["storage"]["writable"] is False
    assert body["checks"]["storage"]["error"] == "FileNotFoundError: No such file or directory"
    assert body["checks"]["database"] == {"configured": False}


def test_the_probe_leaves_nothing_behind_and_never_touches_other_files(data_dir: Path) -> None:
    (data_dir / "patient-upload.bin").write_bytes(b"keep")
    assert probe_storage(data_dir).writable is True
    assert [p.name for p in data_dir.iterdir()] == ["patient-upload.bin"]
    assert not any(p.name.startswith(PROBE_PREFIX) for p in data_dir.iterdir())


def test_the_probe_result_is_reused_within_the_cache_window(data_dir: Path) -> None:
    calls: list[int] = []
    now = [100.0]

    def database_probe() -> DatabaseStatus:
        calls.append(1)
        return DatabaseStatus(reachable=True, tls=True)

    settings = Settings(port=free_port(), data_dir=data_dir, database=None)
    reporter = HealthReporter(settings, database_probe=database_probe, cache_seconds=5, clock=lambda: now[0])
    reporter.report()
    now[0] = 104.9
    reporter.report()
    assert len(calls) == 1
    now[0] = 105.0
    assert reporter.report()["ready"] is True
    assert len(calls) == 2


def test_the_configured_health_path_is_served_and_unknown_paths_are_404(data_dir: Path) -> None:
    settings = Settings(port=free_port(), health_path="/healthz", data_dir=data_dir, database=None)
    with serving(settings) as port:
        assert get(port, "/healthz")[0] == 200
        assert get(port, "/health") == (404, {"error": "not found"})
        assert healthcheck.check(port, "/healthz")[0] is True
        assert healthcheck.check(port, "/health") == (False, f"http://127.0.0.1:{port}/health: 404")


def test_the_container_check_fails_when_nothing_listens() -> None:
    healthy, detail = healthcheck.check(free_port(), "/health", timeout=1)
    assert healthy is False and "Connection refused" in detail

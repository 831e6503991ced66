"""What the health path reports: the process, the database over verified TLS, and EFS writability.

Status code semantics (the contract with the ALB and ECS):

* ``/health`` (the target group's path and the container health check) answers 200 whenever the process
  can serve, with each dependency's state in the body. A database outage or a Multi-AZ failover then
  does not mark every target unhealthy: ECS would otherwise stop and replace every task (restarts that
  cannot fix the database), and during a release the deployment circuit breaker would roll back a good
  image for a fault that is not in the image.
* ``/ready`` answers 503 unless every configured dependency is healthy: for people, synthetic monitors
  and alarms, never for the load balancer.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import database
from app.settings import Settings

# One probe per few seconds at most: the ALB's nodes, the ECS agent and monitors all poll, and each
# database probe is a new TLS connection (RDS also limits the rate of new IAM-authenticated ones).
CACHE_SECONDS = 5.0
PROBE_PREFIX = ".health-probe-"


@dataclass(frozen=True)
class StorageStatus:
    writable: bool
    path: str
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def probe_storage(directory: Path) -> StorageStatus:
    """Create, fsync and delete a uniquely named file: proves the mount takes writes, not only that it exists."""
    probe = directory / f"{PROBE_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
    try:
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(descriptor, b"ok\n")
            # EFS acknowledges a write only when it is durable in the region; fsync makes the probe wait for that.
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        probe.unlink()
        return StorageStatus(writable=True, path=str(directory))
    except OSError as error:
        return StorageStatus(writable=False, path=str(directory), error=f"{type(error).__name__}: {error.strerror}")


class HealthReporter:
    """Builds the health body, probing at most once per ``cache_seconds`` however many callers poll."""

    def __init__(
        self,
        settings: Settings,
        *,
        database_probe: Callable[[], database.DatabaseStatus] | None = None,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        db = settings.database
        self._database_probe = database_probe or ((lambda: database.probe(db)) if db is not None else None)
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None

    def report(self) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            if self._cached is not None and now - self._cached[0] < self._cache_seconds:
                return self._cached[1]
            body = self._probe()
            self._cached = (now, body)
            return body

    def _probe(self) -> dict[str, Any]:
        checks: dict[str, Any] = {"storage": probe_storage(self._settings.data_dir).as_dict()}
        if self._database_probe is None:
            checks["database"] = {"configured": False}
        else:
            checks["database"] = self._database_probe().as_dict()
        ready = checks["storage"]["writable"] and (
            self._database_probe is None or (checks["database"]["reachable"] and checks["database"]["tls"])
        )
        return {"status": "ok" if ready else "degraded", "ready": ready, "checks": checks}

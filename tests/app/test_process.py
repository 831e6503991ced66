"""``python -m app`` as its own process, as ECS starts it: serves, answers the check, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app import healthcheck
from tests.app.local_postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "LANG")}
    return subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=ROOT,
        env={**base, "PYTHONDONTWRITEBYTECODE": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_the_process_serves_the_health_check_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = _start({"PORT": str(port), "DATA_DIR": str(tmp_path)})
    try:
        deadline = time.monotonic() + 20
        while not healthcheck.check(port, "/health", timeout=1)[0]:
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "not serving within 20 s"
            time.sleep(0.1)
        # The container check as ECS runs it: the same interpreter, the same environment variables.
        check = subprocess.run(
            [sys.executable, "-m", "app.healthcheck"],
            cwd=ROOT,
            env={**os.environ, "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert (check.returncode, check.stdout.strip()) == (0, f"http://127.0.0.1:{port}/health: 200")
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert f"listening on port {port}, health path /health" in output and "stopped" in output


def test_a_broken_contract_stops_the_start_with_every_problem_named(tmp_path: Path) -> None:
    process = _start({"PORT": "8080", "DATA_DIR": "", "DB_HOST": "db", "PGSSLMODE": "prefer"})
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "DATA_DIR: not set" in output and "PGSSLMODE: 'prefer' is weaker than 'verify-full'" in output

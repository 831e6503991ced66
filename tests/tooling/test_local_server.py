from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tooling.local import LocalServer, free_port, start_server, stop_server


def test_stop_leaves_a_process_that_is_not_our_server_alone() -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        stop_server(LocalServer(pid=other.pid, port=1))
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_start_then_stop_our_server(tmp_path: Path) -> None:
    server = start_server(free_port(), log_path=tmp_path / "moto.log")
    stop_server(server)
    assert not Path(f"/proc/{server.pid}").exists() or "State:\tZ" in Path(f"/proc/{server.pid}/status").read_text()


def test_an_unknown_environment_is_refused_before_anything_starts_or_stops(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tooling import local

    touched: list[str] = []

    def record(command: str) -> Any:
        def run(environment: str) -> int:
            touched.append(f"{command} {environment}")
            return 0

        return run

    for command in ("up", "down", "drift"):
        monkeypatch.setattr(local, command, record(command))
    for command in ("up", "down", "drift"):
        assert local.main([command, "qa-typo"]) == 2
    assert touched == []
    assert "environment 'qa-typo': unknown; allowed: dev, staging, prod" in capsys.readouterr().err

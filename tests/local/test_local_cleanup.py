"""`hatchway serve --runtime ric|hatchway` leaves nothing behind: no folder in
the temporary directory and no process, however it ends (Ctrl+C, SIGTERM,
twice in a row, the runtime crashing, failing to start); a folder left by a
server killed outright is removed by the next server.

Each server runs with its own TMPDIR, which its runtime processes inherit:
the process table is searched for that value."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from helpers.local_process import ROOT, ServeProcess, target

pytest.importorskip("werkzeug")
pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc"),
]

RUNTIMES = [
    pytest.param(
        "ric",
        marks=pytest.mark.skipif(
            __import__("importlib.util").util.find_spec("awslambdaric") is None,
            reason="awslambdaric is not installed",
        ),
    ),
    "hatchway",
]


def _processes_with(tmpdir: Path) -> list[int]:
    """Processes whose environment holds TMPDIR=tmpdir (the server's children)."""
    marker = f"TMPDIR={tmpdir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environment.split(b"\0"):
            found.append(int(entry.name))
    return found


def _leftovers(tmpdir: Path) -> list[str]:
    return sorted(
        str(path.relative_to(tmpdir))
        for path in tmpdir.rglob("*")
        if "ric" in path.name and path.is_dir()
    )


def _assert_nothing_left(tmpdir: Path) -> None:
    deadline = time.monotonic() + 10
    while _processes_with(tmpdir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(tmpdir) == []
    assert _leftovers(tmpdir) == []


def _start(runtime: str, tmpdir: Path) -> ServeProcess:
    server = ServeProcess(
        [target("handler.py") + ":handler", "--runtime", runtime], env={"TMPDIR": str(tmpdir)}
    ).ready()
    with httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client:
        assert client.get("/").status_code == 200
    assert _leftovers(tmpdir)  # the shim's folder exists while serving
    return server


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    "signals",
    [[signal.SIGINT], [signal.SIGTERM], [signal.SIGTERM, signal.SIGTERM], [signal.SIGINT] * 3],
    ids=["ctrl-c", "sigterm", "sigterm-twice", "ctrl-c-thrice"],
)
def test_stopped_by_signal(runtime, signals, tmp_path):
    server = _start(runtime, tmp_path)
    try:
        for number in signals:
            os.kill(server.process.pid, number)
            time.sleep(0.05)
        assert server.process.wait(15) == 0
    finally:
        server.stop()
    _assert_nothing_left(tmp_path)
    assert "Traceback" not in server.output, server.output


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_after_the_runtime_crashed(runtime, tmp_path):
    server = _start(runtime, tmp_path)
    try:
        with httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client:
            assert client.get("/exit").status_code == 500
            assert client.get("/").status_code == 200  # a new runtime
        server.terminate()
        assert server.process.wait(15) == 0
    finally:
        server.stop()
    _assert_nothing_left(tmp_path)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_failing_to_start(runtime, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "hatchway", "serve", target("handler.py") + ":handler"]
        command += ["--runtime", runtime, "--port", str(port)]
        environment = {**os.environ, "TMPDIR": str(tmp_path)}
        done = subprocess.run(
            command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 1
    assert "in use" in done.stderr
    _assert_nothing_left(tmp_path)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_killed_servers_folder_is_swept_by_the_next(runtime, tmp_path):
    killed = _start(runtime, tmp_path)
    os.killpg(killed.process.pid, signal.SIGKILL)
    killed.stop()
    stale = _leftovers(tmp_path)
    assert stale  # nothing could remove it
    deadline = time.monotonic() + 10  # the orphaned runtime exits once the server is gone
    while _processes_with(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(tmp_path) == []
    following = _start(runtime, tmp_path)
    try:
        assert not set(stale) & set(_leftovers(tmp_path))
    finally:
        following.stop()
    _assert_nothing_left(tmp_path)

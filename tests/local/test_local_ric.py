"""`hatchway serve --runtime ric`: the real awslambdaric against the Runtime API
emulator, with forked workers, crashes, init errors, time-outs and teardown."""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from helpers.local_process import serving, target

pytestmark = pytest.mark.subprocess

pytest.importorskip("werkzeug")
pytest.importorskip("awslambdaric")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_concurrent_requests_reach_every_forked_worker_once_started():
    """AWS_LAMBDA_MAX_CONCURRENCY=4: awslambdaric forks four workers that poll
    at once; 200 concurrent requests all succeed and each worker ran lifespan
    startup exactly once."""
    args = [target("asgi_app.py") + ":app", "--runtime", "ric", "--source", "function-url"]
    with serving(args, env={"AWS_LAMBDA_MAX_CONCURRENCY": "4"}) as server:
        assert "awslambdaric, 4 workers" in server.output
        with httpx.Client(base_url=server.base_url, timeout=60, trust_env=False) as client:

            def call(i: int) -> httpx.Response:
                return client.get("/whoami", params={"sleep_ms": 20, "i": i})

            with ThreadPoolExecutor(max_workers=16) as pool:
                responses = list(pool.map(call, range(200)))
    assert [r.status_code for r in responses] == [200] * 200
    answers = [r.json() for r in responses]
    assert {a["startups"] for a in answers} == {1}
    assert all(a["started_in"] == a["pid"] for a in answers)
    per_worker = Counter(a["pid"] for a in answers)
    assert len(per_worker) == 4, per_worker


def test_crash_and_exit_are_reported_and_the_runtime_comes_back():
    args = [target("handler.py") + ":handler", "--runtime", "ric"]
    with serving(args) as server:
        first_pid = int(server.wait_for(r"awslambdaric started \(pid (\d+)\)").group(1))
        with httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client:
            crashed = client.get("/crash")
            assert crashed.status_code == 500  # an HTTP API's answer to a function error
            assert crashed.json() == {"message": "Internal Server Error"}
            server.wait_for("RuntimeError: the handler crashed on purpose")
            assert client.get("/fine").text == "handled /fine as hatchway-local"

            exited = client.get("/exit")
            assert exited.status_code == 500
            server.wait_for(rf"runtime process {first_pid} exited \(status 3\)")
            assert client.get("/again").text == "handled /again as hatchway-local"
            assert re.search(rf"awslambdaric started \(pid (?!{first_pid}\b)\d+\)", server.output)

            malformed = client.get("/malformed")
            assert malformed.status_code == 502
            server.wait_for("statusCode is 'two hundred'")


def test_init_error_is_shown_and_every_request_retries_it():
    args = [target("broken.py") + ":handler", "--runtime", "ric", "--source", "apigw-rest"]
    with (
        serving(args) as server,
        httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client,
    ):
        for _ in range(2):
            response = client.get("/x")
            assert response.status_code == 502
            assert response.json() == {"message": "Internal server error"}
        server.wait_for("failed to initialise in awslambdaric")
        server.wait_for("this module is broken on purpose")
        assert server.process.poll() is None  # still serving


def test_time_out_restarts_the_runtime():
    args = [target("handler.py") + ":handler", "--runtime", "ric", "--timeout", "1"]
    with (
        serving(args) as server,
        httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client,
    ):
        assert client.get("/slow").status_code == 500
        server.wait_for(r"timed out after 1 s")
        # Lambda's own words name the function's time-out, not the gateway's wait.
        server.wait_for(r"Sandbox.Timedout: Task timed out after 1.00 seconds", timeout=5)
        assert client.get("/after").text == "handled /after as hatchway-local"


def test_stopping_the_server_stops_the_runtime():
    args = [target("handler.py") + ":handler", "--runtime", "ric"]
    with serving(args) as server:
        pid = int(server.wait_for(r"awslambdaric started \(pid (\d+)\)").group(1))
        with httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client:
            assert client.get("/").status_code == 200
        assert _alive(pid)
        server.terminate()
        server.process.wait(10)
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


@pytest.mark.parametrize("runtime", ["ric", "hatchway"])
def test_the_functions_output_comes_line_by_line_and_an_error_once(runtime):
    """A record ending in a traceback ends its line; an error's lines are
    lines (the runtime joins them with \\r only for CloudWatch); the gateway
    does not print again the trace the runtime logged."""
    args = [target("logging_handler.py") + ":handler", "--runtime", runtime]
    with (
        serving(args) as server,
        httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client,
    ):
        assert client.get("/").status_code == 200
        assert client.get("/raise").status_code == 500
        server.wait_for(r"the function failed")
        server.wait_for(r'"GET /raise" 500')
        # The runtime's standard output and its log records come through two
        # pipes: give the last printed line a moment to arrive.
        deadline = time.monotonic() + 10
        while server.lines.count("printed after the record") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        lines = server.lines[:]
    assert "\r" not in "\n".join(lines)
    assert lines.count("ZeroDivisionError: division by zero") == 2
    assert lines.count("printed after the record") == 2
    assert sum('raise RuntimeError("raised on purpose")' in line for line in lines) == 1
    assert any(
        line.endswith("RuntimeError: raised on purpose (the runtime logged its trace above)")
        for line in lines
    )


@pytest.mark.parametrize("info", [True, False], ids=["logger-at-info", "lambda-default"])
def test_access_log_needs_its_logger_at_info_under_the_runtime_client(info):
    """As docs/local-development.md says: Lambda's root logger is at WARNING."""
    args = [target("access_logged.py") + ":handler", "--runtime", "ric"]
    with (
        serving(args, env={"ACCESS_LOG_INFO": "1" if info else "0"}) as server,
        httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client,
    ):
        assert client.get("/logged").text == "ok"
        server.wait_for(r'"GET /logged" 200')
        if info:
            server.wait_for(r"\[INFO\]\t.*\tGET /logged 200 .*ms 2 bytes \(request id ")
        else:
            time.sleep(0.5)  # a record would have come before the access line; allow for the pipe
            assert "GET /logged 200" not in server.output

"""`hatchway serve` in-process: the gateway's own errors, --show-events, the
access log, WSGI apps, base paths, --reload, and the lazy imports."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from helpers.local_process import ROOT, ServeProcess, serving, target

pytestmark = pytest.mark.subprocess

pytest.importorskip("werkzeug")


def _client(server: ServeProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=30, trust_env=False)


def test_gateway_errors_events_and_access_log():
    args = [target("handler.py") + ":handler", "--source", "apigw-http", "--show-events"]
    with serving(args) as server:
        assert "runtime: in-process, Lambda handler" in server.output
        with _client(server) as client:
            fine = client.get("/fine?x=1")
            malformed = client.get("/malformed")
            crashed = client.get("/crash")
            huge = client.get("/huge")
        assert (fine.status_code, fine.text) == (200, "handled /fine as hatchway-local")
        server.wait_for(r'127\.0\.0\.1 "GET /fine\?x=1" 200 \d+\.\dms 31B')
        server.wait_for(r"--> event for request [0-9a-f-]+ \(apigw-http\)")
        server.wait_for(r"<-- result for request [0-9a-f-]+")
        server.wait_for(r'"rawQueryString": "x=1"')

        assert malformed.status_code == 502
        assert malformed.json() == {"message": "Internal Server Error"}
        server.wait_for(r"statusCode is 'two hundred'; apigw-http answers 502")

        assert crashed.status_code == 500
        server.wait_for(r"the function failed .*; apigw-http answers 500")
        server.wait_for(r"RuntimeError: the handler crashed on purpose")

        assert huge.status_code == 500
        server.wait_for(r"over the 6291556-byte limit")


def test_wsgi_app_under_a_rest_stage_and_adapter_options():
    args = [
        target("wsgi_app.py") + ":app",
        "--source",
        "apigw-rest",
        "--stage",
        "prod",
        "--exclude-header",
        "content-length",
    ]
    with serving(args) as server:
        assert "WSGI app in Adapter" in server.output
        assert server.wait_for(r"hatchway serve: (\S+)").group(1).endswith("/prod/")
        with _client(server) as client:
            response = client.get("/prod/items/café", params=[("tag", "a"), ("tag", "b")])
            outside = client.get("/items/x")
    assert response.json() == {"name": "café", "tags": ["a", "b"], "link": "/prod/items/x"}
    assert (outside.status_code, outside.json()) == (403, {"message": "Forbidden"})


def test_rest_custom_domain_base_path():
    args = [target("asgi_app.py") + ":app", "--source", "apigw-rest", "--base-path", "/v1/"]
    with serving(args) as server, _client(server) as client:
        link = client.get("/v1/link").json()["url"]
        outside = client.get("/v1beta/link")
    assert link == f"{server.base_url}/v1/items/x"
    assert outside.status_code == 403


def test_alb_refuses_a_body_over_one_megabyte():
    with serving([target("asgi_app.py") + ":app", "--source", "alb"]) as server:
        with _client(server) as client:
            refused = client.post(
                "/echo",
                content=b"x" * (1024 * 1024 + 1),
                headers={"Content-Type": "application/octet-stream"},
            )
            accepted = client.post(
                "/echo", content=b"x" * 1000, headers={"Content-Type": "application/octet-stream"}
            )
        assert refused.status_code == 413
        assert accepted.content == b"x" * 1000
        server.wait_for("over the alb limit of 1048576 bytes")


def test_adapter_options_for_a_handler_are_an_init_error_shown_clearly():
    args = [target("handler.py") + ":handler", "--lifespan", "on"]
    with serving(args) as server:
        server.wait_for("failed to initialise")
        server.wait_for(r"Adapter options \(lifespan\) apply to an app")
        with _client(server) as client:
            assert client.get("/").status_code == 500
        assert server.process.poll() is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["nocolon"], "TARGET must be", id="bad-target"),
        pytest.param(["missing.py:app"], "no such file", id="missing-file"),
        pytest.param(["m:app", "--source", "alb", "--stage", "prod"], "apply to apigw", id="stage"),
        pytest.param(
            ["m:app", "--source", "alb", "--binary-media-types", "a/b"],
            "apigw-rest only",
            id="binary-types",
        ),
    ],
)
def test_usage_errors_exit_with_status_2(args, message):
    done = subprocess.run(
        [sys.executable, "-m", "hatchway", "serve", *args],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert message in done.stderr


@pytest.mark.parametrize(
    ("app", "path"),
    [
        pytest.param(target("wsgi_app.py") + ":app", "/slow?seconds=3", id="wsgi-app"),
        pytest.param(target("handler.py") + ":handler", "/slow", id="plain-handler"),
    ],
)
def test_time_out_is_enforced_in_process(app, path):
    """As Lambda does (and --runtime ric): the gateway's answer at the
    time-out, whatever the app does meanwhile, and a line saying so."""
    with serving([app, "--timeout", "1"]) as server, _client(server) as client:
        started = time.monotonic()
        response = client.get(path)
        took = time.monotonic() - started
        assert response.status_code == 500  # an HTTP API's answer to a failed invocation
        assert response.json() == {"message": "Internal Server Error"}
        assert 0.9 < took < 2.5
        server.wait_for(r"timed out after 1 s")
        server.wait_for(r"Sandbox.Timedout: Task timed out after 1.00 seconds")
        deadline = time.monotonic() + 15  # the next event once the slow one is over
        while True:
            response = client.get("/items/x" if "wsgi" in app else "/after")
            if response.status_code == 200 or time.monotonic() > deadline:
                break
        assert response.status_code == 200


def test_an_init_error_shows_the_users_frames():
    with serving([target("broken.py") + ":app"]) as server, _client(server) as client:
        assert client.get("/").status_code == 500
        server.wait_for(r'"GET /" 500')
        output = server.output
    block = output.split("the function failed to initialise")[1].split("hatchway serve:")[0]
    lines = block.strip("\n").splitlines()
    assert lines[1] == "    Runtime.InitError (RuntimeError): this module is broken on purpose"
    assert re.fullmatch(
        r" {6}\(\d+ frames of hatchway and importlib before these left out\)", lines[2]
    )
    assert lines[3] == f'      File "{target("broken.py")}", line 3, in <module>'
    assert "importlib" not in output.replace("hatchway and importlib", "")


def test_reload_restarts_on_a_source_change(tmp_path: Path):
    app = tmp_path / "reloaded.py"
    body = 'def handler(event, context):\n    return {"statusCode": 200, "body": "%s"}\n'
    app.write_text(body % "one")
    server = ServeProcess([f"{app}:handler", "--reload"])
    try:
        server.ready()
        with _client(server) as client:
            assert client.get("/").text == "one"
            time.sleep(1.1)  # a new modification time, whatever the file system's resolution
            app.write_text(body % "two")
            server.wait_for("reloaded.py changed, restarting")
            deadline = time.monotonic() + 30
            text = ""
            while time.monotonic() < deadline:
                try:
                    text = client.get("/").text
                except httpx.TransportError:
                    text = ""
                if text == "two":
                    break
                time.sleep(0.2)
        assert text == "two"
    finally:
        server.stop()


def test_import_hatchway_never_loads_the_local_server():
    code = (
        "import sys, hatchway\n"
        "from hatchway import Adapter\n"
        "handler = Adapter(lambda environ, start_response: [])\n"
        "bad = [m for m in sys.modules if m.startswith(('werkzeug', 'hatchway.local'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


def test_banner_names_url_source_target_and_runtime():
    with serving([target("handler.py") + ":handler", "--source", "alb-multi"]) as server:
        banner = server.output
    assert re.search(r"hatchway serve: http://127\.0\.0\.1:\d+/\n", banner)
    assert "source:  alb-multi" in banner
    assert f"target:  {target('handler.py')}:handler" in banner

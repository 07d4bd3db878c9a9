"""The local gateway's parts on their own: TARGET parsing and kind detection,
the gateway choice, and the Runtime API emulator's protocol."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hatchway import Adapter
from hatchway.local.gateway_choice import SOURCE_NAMES, GatewayChoice
from hatchway.local.invocation import FunctionError
from hatchway.local.runtime_api import RuntimeApiEmulator, TimedOut
from hatchway.local.target import Target, make_handler, wants_handler
from helpers.local_process import target


async def asgi_app(scope: Any, receive: Any, send: Any) -> None: ...


def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    return []


def wsgi_app_env(env: Any, respond: Any) -> list[bytes]:
    return []


def lambda_handler(event: Any, context: Any) -> Any:
    return {}


def handler_one_arg(event: Any) -> Any:
    return {}


class WsgiCallable:
    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        return []


@pytest.mark.parametrize(
    ("obj", "is_handler"),
    [
        pytest.param(lambda_handler, True, id="function-event-context"),
        pytest.param(handler_one_arg, True, id="function-one-arg"),
        pytest.param(Adapter(wsgi_app), True, id="adapter"),
        pytest.param(asgi_app, False, id="async-function-asgi"),
        pytest.param(wsgi_app, False, id="function-start_response"),
        pytest.param(wsgi_app_env, False, id="function-env-first"),
        pytest.param(WsgiCallable(), False, id="callable-object"),
    ],
)
def test_tells_handlers_from_apps(obj: Any, is_handler: bool) -> None:
    assert wants_handler(obj) is is_handler


def test_kind_override_and_wrapping() -> None:
    handler, what = make_handler(lambda_handler, "app", {"interface": "wsgi"})
    assert isinstance(handler, Adapter)
    assert what == "WSGI app in Adapter"
    assert make_handler(WsgiCallable(), "handler", {})[1] == "Lambda handler"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("module", "TARGET must be", id="no-colon"),
        pytest.param("module:", "TARGET must be", id="no-attr"),
        pytest.param("module:not-a-name", "not an attribute name", id="bad-attr"),
        pytest.param("bad module:app", "not a module name", id="bad-module"),
        pytest.param("nowhere/app.py:app", "no such file", id="missing-file"),
        pytest.param("tests/conftest.txt:app", "not a .py file", id="not-python"),
    ],
)
def test_target_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Target(text)


def test_file_target_loads_dotted_attribute() -> None:
    found = Target(target("asgi_app.py") + ":app.router").load()
    assert type(found).__name__ == "Router"


@pytest.mark.parametrize(
    ("name", "options", "prefix"),
    [
        pytest.param("apigw-rest", {"stage": "prod"}, "/prod", id="rest-stage"),
        pytest.param("apigw-rest", {}, "", id="rest-custom-domain-root"),
        pytest.param("apigw-rest", {"stage": "prod", "base_path": "/v1"}, "/v1", id="rest-mapping"),
        pytest.param("apigw-http", {"stage": "$default"}, "", id="http-default-stage"),
        pytest.param("apigw-http", {"stage": "dev"}, "/dev", id="http-named-stage"),
        pytest.param("alb-multi", {}, "", id="alb-multi"),
    ],
)
def test_gateway_choice_prefix(name: str, options: dict[str, Any], prefix: str) -> None:
    choice = GatewayChoice(name, **options)
    assert choice.prefix == prefix
    assert choice.settings.multi_value is (name == "alb-multi")


def test_every_built_in_gateway_can_be_served_with_its_own_answers() -> None:
    from hatchway.sources import BUILTIN_SOURCES

    assert set(SOURCE_NAMES) == {s.name for s in BUILTIN_SOURCES} | {"alb-multi"}
    for name in SOURCE_NAMES:
        choice = GatewayChoice(name)
        assert choice.refusals.function_failed().status in (500, 502, 503)
        assert choice.refusals.request_too_large().status == 413


def test_the_load_balancers_own_pages() -> None:
    alb = GatewayChoice("alb").refusals
    assert alb.function_failed().body == (
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    assert alb.request_too_large().body == (
        b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
        b"<center><h1>413 Request Entity Too Large</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    assert (alb.request_body_limit, alb.result_limit) == (1024 * 1024, 1024 * 1024)


@pytest.fixture
def emulator() -> Iterator[RuntimeApiEmulator]:
    api = RuntimeApiEmulator()
    api.start()
    api.begin_generation()
    try:
        yield api
    finally:
        api.close()


def _call(api: RuntimeApiEmulator, method: str, path: str, body: bytes = b"", headers=None):
    connection = http.client.HTTPConnection(api.address, timeout=10)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


NEXT = "/2018-06-01/runtime/invocation/next"


@pytest.mark.subprocess
def test_next_hands_out_the_event_with_lambdas_headers(emulator: RuntimeApiEmulator) -> None:
    invocation = emulator.submit(b'{"a": 1}', "req-1", timeout=30)
    status, headers, body = _call(emulator, "GET", NEXT)
    assert (status, body) == (200, b'{"a": 1}')
    assert headers["Content-Type"] == "application/json"
    assert headers["Lambda-Runtime-Aws-Request-Id"] == "req-1"
    assert abs(int(headers["Lambda-Runtime-Deadline-Ms"]) - (time.time() + 30) * 1000) < 5000
    assert headers["Lambda-Runtime-Invoked-Function-Arn"].endswith(":function:hatchway-local")
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
    status, _, _ = _call(emulator, "POST", "/2018-06-01/runtime/invocation/req-1/response", b"[1]")
    assert status == 202
    assert emulator.wait(invocation, 5) == b"[1]"


@pytest.mark.subprocess
def test_error_post_fails_the_invocation(emulator: RuntimeApiEmulator) -> None:
    invocation = emulator.submit(b"{}", "req-2", timeout=30)
    _call(emulator, "GET", NEXT)
    document = {"errorMessage": "boom", "errorType": "ValueError", "stackTrace": ["  line\n"]}
    status, _, _ = _call(
        emulator,
        "POST",
        "/2018-06-01/runtime/invocation/req-2/error",
        json.dumps(document).encode(),
        {"Lambda-Runtime-Function-Error-Type": "Unhandled"},
    )
    assert status == 202
    with pytest.raises(FunctionError, match="ValueError: boom"):
        emulator.wait(invocation, 5)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param(
            "POST", "/2018-06-01/runtime/invocation/unknown/response", 400, id="unknown-id"
        ),
        pytest.param("GET", "/2018-06-01/runtime/other", 404, id="unknown-path"),
        pytest.param("POST", "/2018-06-01/runtime/invocation/x/other", 404, id="unknown-verb"),
    ],
)
@pytest.mark.subprocess
def test_protocol_refusals(emulator: RuntimeApiEmulator, method: str, path: str, status: int):
    assert _call(emulator, method, path)[0] == status


@pytest.mark.subprocess
def test_init_error_fails_queued_events_and_is_reported_once() -> None:
    reported: list[FunctionError] = []
    api = RuntimeApiEmulator(on_init_error=reported.append)
    api.start()
    try:
        api.begin_generation()
        queued = api.submit(b"{}", "req-3", timeout=30)
        document = json.dumps(
            {"errorMessage": "no module", "errorType": "Runtime.ImportModuleError"}
        )
        for _ in range(2):  # every forked worker reports it
            assert _call(api, "POST", "/2018-06-01/runtime/init/error", document.encode())[0] == 202
        with pytest.raises(FunctionError, match=r"Runtime\.ImportModuleError: no module"):
            api.wait(queued, 5)
        assert len(reported) == 1
    finally:
        api.close()


@pytest.mark.subprocess
def test_a_runtime_that_ends_fails_what_it_took_and_its_waiting_polls_give_up(
    emulator: RuntimeApiEmulator,
) -> None:
    taken = emulator.submit(b"{}", "req-4", timeout=30)
    _call(emulator, "GET", NEXT)
    statuses: list[int] = []
    waiting = threading.Thread(target=lambda: statuses.append(_call(emulator, "GET", NEXT)[0]))
    waiting.start()
    time.sleep(0.2)
    emulator.end_generation(1, FunctionError("Runtime.ExitError", "gone"))
    waiting.join(5)
    assert statuses == [410]
    with pytest.raises(FunctionError, match="gone"):
        emulator.wait(taken, 5)


@pytest.mark.subprocess
def test_no_answer_in_time_is_a_time_out(emulator: RuntimeApiEmulator) -> None:
    invocation = emulator.submit(b"{}", "req-5", timeout=0.1)
    with pytest.raises(TimedOut):
        emulator.wait(invocation, 0.2)
    assert not emulator.has_waiting()


@pytest.mark.subprocess
def test_a_runtime_gone_mid_poll_prints_no_traceback(
    emulator: RuntimeApiEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stopped runtime leaves its `next` poll behind: the emulator's answer
    then meets a closed connection, which is no error worth a traceback."""
    import socket
    import struct

    host, port = emulator.address.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as client:
        client.sendall(f"GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(0.2)  # the poll is waiting
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    emulator.begin_generation()  # the waiting poll answers 410 to a reset connection
    printed = ""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and "Traceback" not in printed:
        time.sleep(0.1)
        printed += capsys.readouterr().err
    assert "Traceback" not in printed
    assert "Error" not in printed


def test_user_frames_skip_the_import_machinery_and_hatchway_local():
    from pathlib import Path

    import hatchway.local
    from hatchway.local.invocation import user_frames

    local = Path(hatchway.local.__file__).resolve().parent
    trace = [
        '  File "/usr/lib/python3.12/importlib/__init__.py", line 90, in import_module\n',
        '  File "<frozen importlib._bootstrap>", line 1387, in _gcd_import\n',
        '  File "/tmp/hatchway-0/ric-1-x/hatchway_local_handler.py", line 5, in <module>\n',
        f'  File "{local}/target.py", line 76, in load\n    module = import_module(m)\n',
        '  File "<frozen importlib._bootstrap_external>", line 995, in exec_module\n',
        '  File "/srv/app/main.py", line 3, in <module>\n    import db\n',
        '  File "/srv/app/db.py", line 1, in <module>\n    raise RuntimeError\n',
    ]
    assert user_frames(trace) == trace[5:]
    assert user_frames(trace[:5]) == trace[:5]  # nothing else: all of it
    assert user_frames([]) == []
    error = FunctionError("Runtime.ImportModuleError", "no module", trace)
    described = error.describe().splitlines()
    assert described[:3] == [
        "Runtime.ImportModuleError: no module",
        "  (5 frames of hatchway and importlib before these left out)",
        '  File "/srv/app/main.py", line 3, in <module>',
    ]

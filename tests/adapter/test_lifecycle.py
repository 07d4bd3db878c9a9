"""The Lambda lifecycle in process: startup in INIT, warm-ups, a first-request
startup bounded by the deadline, and the SnapStart hooks run by awslambdaric's
own hook runner."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hatchway import Adapter, LifespanFailure
from hatchway.http import WARMUP_KEY
from hatchway.lifecycle import WARMUP_ROUNDS, in_lambda, resolve_startup
from hatchway.testing import LambdaContext
from helpers.events import http_api

LAMBDA_VARIABLES = (
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
)


@pytest.fixture(autouse=True)
def outside_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LAMBDA_VARIABLES:
        monkeypatch.delenv(name, raising=False)


class Recorder:
    """An ASGI app that records its lifespan and requests, startup scripted."""

    def __init__(self, startup_seconds: float = 0.0, fail_startup: bool = False) -> None:
        self.startup_seconds = startup_seconds
        self.fail_startup = fail_startup
        self.fail_shutdown = False
        self.events: list[str] = []
        self.scopes: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            assert (await receive())["type"] == "lifespan.startup"
            self.events.append("startup")
            try:
                await asyncio.sleep(self.startup_seconds)
            except asyncio.CancelledError:
                self.events.append("startup cancelled")
                raise
            if self.fail_startup:
                await send({"type": "lifespan.startup.failed", "message": "database down"})
                return
            scope["state"]["random"] = random.random()
            self.events.append("started")
            await send({"type": "lifespan.startup.complete"})
            assert (await receive())["type"] == "lifespan.shutdown"
            self.events.append("shutdown")
            if self.fail_shutdown:
                await send({"type": "lifespan.shutdown.failed", "message": "pool stuck"})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return
        message = await receive()
        self.scopes.append(scope)
        self.bodies.append(message.get("body", b""))
        self.events.append(f"{scope['method']} {scope['path']}")
        status = 500 if scope["path"] == "/broken" else 200
        if scope["path"] == "/raise":
            raise RuntimeError("warm-up fails on purpose")
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def wsgi_recorder(seen: list[dict[str, Any]]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ)
        start_response("200 OK", [("content-type", "text/plain")])
        return [b"ok"]

    return app


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, False),
        ({"AWS_LAMBDA_FUNCTION_NAME": "f"}, False),
        ({"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, False),
        ({"AWS_LAMBDA_FUNCTION_NAME": "f", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, True),
        ({"AWS_LAMBDA_FUNCTION_NAME": "f", "LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"AWS_LAMBDA_FUNCTION_NAME": "", "LAMBDA_TASK_ROOT": "/var/task"}, False),
    ],
)
def test_a_lambda_environment_is_told_by_its_runtime_variables(
    variables: dict[str, str], expected: bool
) -> None:
    assert in_lambda(variables) is expected
    assert resolve_startup("auto", variables) == ("init" if expected else "first-request")
    assert resolve_startup("first-request", variables) == "first-request"
    assert resolve_startup("init", variables) == "init"


def test_startup_option_is_checked() -> None:
    with pytest.raises(ValueError, match="startup must be one of"):
        Adapter(Recorder(), startup="import")  # type: ignore[arg-type]


def test_outside_lambda_the_app_starts_on_the_first_request() -> None:
    app = Recorder()
    handler = Adapter(app)
    assert app.events == []
    assert handler(http_api("/x"))["statusCode"] == 200
    assert app.events == ["startup", "started", "GET /x"]


def test_inside_lambda_auto_starts_the_app_while_the_adapter_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "f")
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    app = Recorder()
    handler = Adapter(app)
    assert app.events == ["startup", "started"]
    assert handler(http_api("/x"))["statusCode"] == 200
    assert handler(http_api("/y"))["statusCode"] == 200
    assert app.events == ["startup", "started", "GET /x", "GET /y"]
    assert app.scopes[0]["state"]["random"] == app.scopes[1]["state"]["random"]


def test_a_startup_failure_in_init_raises_from_the_constructor() -> None:
    with pytest.raises(LifespanFailure, match="database down"):
        Adapter(Recorder(fail_startup=True), startup="init")


@pytest.mark.parametrize("lifespan", ["off", "auto"])
def test_init_startup_without_lifespan_does_nothing(lifespan: str) -> None:
    calls: list[str] = []

    async def no_lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
        calls.append(scope["type"])
        if scope["type"] != "http":
            raise RuntimeError("only http")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    handler = Adapter(no_lifespan, startup="init", lifespan=lifespan)  # type: ignore[arg-type]
    assert calls == ([] if lifespan == "off" else ["lifespan"])
    assert handler(http_api("/"))["statusCode"] == 204
    assert calls[-1] == "http"


def test_warmups_run_after_startup_marked_and_real_requests_are_not() -> None:
    app = Recorder()
    handler = Adapter(
        app,
        startup="init",
        warmup=[
            "/warm?limit=1",
            {
                "method": "post",
                "path": "/items",
                "headers": {"X-Tenant": "t1"},
                "body": {"name": "warm", "price": 1},
            },
        ],
    )
    # Each warm-up runs WARMUP_ROUNDS times: code that ran is specialised.
    rounds = WARMUP_ROUNDS
    assert rounds > 1
    assert app.events == ["startup", "started"] + ["GET /warm"] * rounds + ["POST /items"] * rounds
    first, second = app.scopes[0], app.scopes[rounds]
    assert all(scope[WARMUP_KEY] is True for scope in app.scopes)
    assert first[WARMUP_KEY] is True
    assert second[WARMUP_KEY] is True
    assert first["query_string"] == b"limit=1"
    assert json.loads(app.bodies[rounds]) == {"name": "warm", "price": 1}
    headers = dict(second["headers"])
    assert headers[b"x-tenant"] == b"t1"
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"content-length"] == str(len(app.bodies[rounds])).encode()
    assert second["aws.event"]["requestContext"]["requestId"] == f"warmup-{rounds + 1}"
    assert second["aws.context"].aws_request_id == f"warmup-{rounds + 1}"
    # Nothing a client sends can set the mark.
    handler(http_api("/x", headers={"hatchway.warmup": "1", "x-hatchway-warmup": "1"}))
    assert WARMUP_KEY not in app.scopes[-1]


def test_warmups_run_only_in_init() -> None:
    app = Recorder()
    Adapter(app, warmup=["/warm"])  # outside Lambda: first-request
    assert app.events == []


def test_wsgi_warmups_are_marked_in_the_environ() -> None:
    seen: list[dict[str, Any]] = []
    handler = Adapter(wsgi_recorder(seen), startup="init", warmup=["/warm"], base_path="/v1")
    assert len(seen) == WARMUP_ROUNDS
    assert seen[0][WARMUP_KEY] is True
    assert (seen[0]["SCRIPT_NAME"], seen[0]["PATH_INFO"]) == ("/v1", "/warm")
    handler(http_api("/v1/x"))
    assert WARMUP_KEY not in seen[-1]


def test_a_failing_warmup_is_a_warning_and_init_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    app = Recorder()
    with caplog.at_level(logging.INFO, logger="hatchway"):
        handler = Adapter(app, startup="init", warmup=["/raise", "/broken", "/fine"])
    # A failed warm-up is not run again.
    assert app.events[2:] == ["GET /raise", "GET /broken"] + ["GET /fine"] * WARMUP_ROUNDS
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.levelname) for r in warnings] == [
        ("hatchway.lifecycle", "WARNING"),
        ("hatchway.lifecycle", "WARNING"),
    ]
    assert "GET /raise" in warnings[0].getMessage()
    assert warnings[0].exc_info is not None
    assert "GET /broken answered 500" in warnings[1].getMessage()
    assert handler(http_api("/after"))["statusCode"] == 200


@pytest.mark.parametrize(
    ("option", "error", "message"),
    [
        ("/health", TypeError, "not one"),
        ({"path": "/x"}, TypeError, "not one"),
        (42, TypeError, "list of paths"),
        ([42], TypeError, "path or a mapping"),
        (["health"], ValueError, "path like"),
        (["/a#b"], ValueError, "plain path"),
        (["/a b"], ValueError, "plain path"),
        ([{"path": "/x", "verb": "GET"}], ValueError, "unknown keys"),
        ([{"method": "GET"}], ValueError, "path like"),
        ([{"path": "/x", "method": "GE T"}], ValueError, "method"),
        ([{"path": "/x", "headers": "a: b"}], TypeError, "headers"),
        ([{"path": "/x", "headers": {"a b": "c"}}], ValueError, "invalid header"),
        ([{"path": "/x", "headers": {"a": "c\r\nx: y"}}], ValueError, "invalid header"),
        ([{"path": "/x", "body": 3}], TypeError, "body"),
    ],
)
def test_warmup_option_is_checked_when_the_adapter_is_built(
    option: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        Adapter(Recorder(), warmup=option)


def test_warmup_paths_go_below_the_base_path_as_for_real_requests() -> None:
    app = Recorder()
    Adapter(app, startup="init", base_path="/v1", warmup=["/", "/items/%41?q=1"])
    root, item = app.scopes[0], app.scopes[WARMUP_ROUNDS]
    # As a real request on a custom domain: AWS drops the mapping's path, hatchway puts it back.
    assert (root["path"], root["root_path"]) == ("/v1/", "/v1")
    assert (item["path"], item["raw_path"], item["query_string"]) == (
        "/v1/items/%41",
        b"/v1/items/%2541",
        b"q=1",
    )


def test_a_slow_first_request_startup_is_answered_504_before_the_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """startup 3 s, 1.5 s left: 504 after about 1 s (margin 0.5 s), the startup
    cancelled; the next request runs startup again (once) and is served."""
    app = Recorder(startup_seconds=3.0)
    handler = Adapter(app, startup="first-request")
    context = LambdaContext()
    context.set_remaining_time(1.5)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        response = handler(http_api("/slow"), context)
    took = time.monotonic() - started
    assert response["statusCode"] == 504
    assert took < 1.5, took
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "lifespan startup did not finish" in logged
    assert app.events == ["startup", "startup cancelled"]

    app.startup_seconds = 0.0
    context = LambdaContext()
    assert handler(http_api("/next"), context)["statusCode"] == 200
    # The cut-short startup was cancelled, not left running beside the new one.
    assert app.events == ["startup", "startup cancelled", "startup", "started", "GET /next"]


def test_a_slow_startup_in_init_is_not_bounded_by_any_request() -> None:
    app = Recorder(startup_seconds=0.3)
    handler = Adapter(app, startup="init")
    context = LambdaContext()
    context.set_remaining_time(0.6)  # would cut a first-request startup short
    assert handler(http_api("/fast"), context)["statusCode"] == 200


# SnapStart: the hooks go to snapshot_restore_py, and awslambdaric's own hook
# runner runs them as it does between INIT and restore.
@pytest.fixture
def hooks_runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """SnapStart's variable set; awslambdaric's hook runner; the registries emptied after."""
    registry = pytest.importorskip("snapshot_restore_py")
    runner = pytest.importorskip("awslambdaric.lambda_runtime_hooks_runner")
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    before = registry.get_before_snapshot()
    after = registry.get_after_restore()
    assert not before
    assert not after
    yield runner
    before.clear()
    after.clear()


def test_snapstart_shuts_down_before_the_snapshot_and_starts_fresh_after_restore(
    hooks_runner: Any,
) -> None:
    app = Recorder()
    handler = Adapter(app, startup="init", warmup=["/warm"])
    assert app.events == ["startup", "started"] + ["GET /warm"] * WARMUP_ROUNDS
    hooks_runner.run_before_snapshot()
    assert app.events[-1] == "shutdown"
    snapshot = random.getstate()

    hooks_runner.run_after_restore()
    assert app.events[-2:] == ["startup", "started"]
    assert random.getstate() != snapshot
    # Without the reseed, the state after restore is the snapshot's.
    random.setstate(snapshot)
    hooks_runner.run_after_restore()
    assert random.getstate() != snapshot

    assert handler(http_api("/x"))["statusCode"] == 200
    assert app.events[-1] == "GET /x"


def test_snapstart_hook_failures_raise_for_the_runtime_to_report(hooks_runner: Any) -> None:
    app = Recorder()
    Adapter(app, startup="init")
    app.fail_shutdown = True
    with pytest.raises(LifespanFailure, match="pool stuck"):
        hooks_runner.run_before_snapshot()
    app.fail_startup = True
    with pytest.raises(LifespanFailure, match="database down"):
        hooks_runner.run_after_restore()


def test_snapstart_with_first_request_startup_only_reseeds_after_restore(
    hooks_runner: Any,
) -> None:
    app = Recorder()
    handler = Adapter(app, startup="first-request")
    hooks_runner.run_before_snapshot()
    snapshot = random.getstate()
    hooks_runner.run_after_restore()
    assert app.events == []
    assert random.getstate() != snapshot
    assert handler(http_api("/x"))["statusCode"] == 200
    assert app.events == ["startup", "started", "GET /x"]


def test_warmup_bodies_given_as_text_or_bytes_are_sent_as_is() -> None:
    app = Recorder()
    Adapter(
        app,
        startup="init",
        warmup=[{"path": "/a", "method": "PUT", "body": "héllo"}, {"path": "/b", "body": b"\xff"}],
    )
    assert app.bodies[0] == "héllo".encode()
    assert (b"content-length", b"6") in app.scopes[0]["headers"]
    assert app.scopes[0]["method"] == "PUT"
    assert app.bodies[WARMUP_ROUNDS] == b"\xff"


def test_fastapi_and_flask_see_their_warmups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real frameworks: a FastAPI route with a pydantic body and a Flask route
    are warmed up in INIT and can tell a warm-up from a real request."""
    for module in ("fastapi", "flask", "pydantic"):
        pytest.importorskip(module)
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "lifecycle_targets"))
    import warm_apps

    warmup = [{"method": "POST", "path": "/items", "body": {"name": "w", "price": 1}}]
    handler = Adapter(warm_apps.api, startup="init", warmup=warmup)
    assert warm_apps.stored == []
    body = json.dumps({"name": "real", "price": 2.5}).encode()
    event = http_api("/items", "POST", body=body, headers={"content-type": "application/json"})
    response = handler(event)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"name": "real", "warm-up": False}
    assert warm_apps.stored == ["real"]

    handler = Adapter(warm_apps.web, startup="init", warmup=["/health"])
    assert handler(http_api("/health"))["statusCode"] == 200
    assert warm_apps.seen == [True] * WARMUP_ROUNDS + [False]

"""The test client against the apps' own transports.

For every source, an httpx client going through ``LambdaTransport`` (event
built as the gateway would, ``Adapter``, response read back as the gateway
would) must get what the same client gets from httpx's ASGI/WSGI transport
on the same app: status, content type, headers (every Set-Cookie) and body.
"""

from __future__ import annotations

import asyncio
from typing import Any

import flask
import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from hatchway import Adapter
from hatchway.testing import LambdaContext, LambdaTransport, MalformedResponse, gateway_names

BASE_URL = "https://api.example.com"
BLOB = bytes(range(256)) * 3 + b"\x00\xff\xfe"
COOKIES = ["session=abc; Path=/; HttpOnly", "theme=dark; Path=/; Max-Age=60"]

#: (id, source, gateway options): every built-in source with a gateway
#: direction, ALB in both of its target-group modes.
SOURCES = [pytest.param(name, {}, id=name) for name in gateway_names() if name != "alb"]
SOURCES += [
    pytest.param("alb", {}, id="alb-single"),
    pytest.param("alb", {"multi_value": True}, id="alb-multi"),
]


fastapi_app = FastAPI()


@fastapi_app.get("/items")
async def list_items(request: Request) -> JSONResponse:
    response = JSONResponse(
        {"query": sorted(request.query_params.multi_items()), "path": request.url.path}
    )
    for cookie in COOKIES:
        response.headers.append("set-cookie", cookie)
    response.headers.append("vary", "Accept")
    response.headers.append("vary", "Origin")
    return response


@fastapi_app.post("/items")
async def create_item(request: Request) -> JSONResponse:
    item = await request.json()
    return JSONResponse({"created": item}, status_code=201, headers={"location": "/items/7"})


@fastapi_app.put("/blobs/{name}")
async def put_blob(name: str, request: Request) -> Response:
    data = await request.body()
    return Response(data[::-1], media_type="application/octet-stream", headers={"x-name": name})


flask_app = flask.Flask(__name__)


@flask_app.get("/items")
def flask_list_items() -> flask.Response:
    response = flask.jsonify(
        query=sorted(flask.request.args.items(multi=True)), path=flask.request.path
    )
    for cookie in COOKIES:
        response.headers.add("Set-Cookie", cookie)
    response.headers.add("Vary", "Accept")
    response.headers.add("Vary", "Origin")
    return response


@flask_app.post("/items")
def flask_create_item() -> tuple[flask.Response, int, dict[str, str]]:
    return flask.jsonify(created=flask.request.get_json()), 201, {"Location": "/items/7"}


@flask_app.put("/blobs/<name>")
def flask_put_blob(name: str) -> flask.Response:
    return flask.Response(
        flask.request.get_data()[::-1],
        mimetype="application/octet-stream",
        headers={"X-Name": name},
    )


@flask_app.get("/whoami")
def flask_whoami() -> dict[str, str]:
    return dict(flask.request.cookies)


APPS = {
    "fastapi": (fastapi_app, lambda: httpx.ASGITransport(app=fastapi_app)),
    "flask": (flask_app, lambda: httpx.WSGITransport(app=flask_app)),
}

REQUESTS = [
    pytest.param("GET", "/items?q=hello%20world&n=1&empty=", {}, id="get-query"),
    pytest.param("POST", "/items", {"json": {"name": "caf\u00e9", "tags": [1, 2]}}, id="post-json"),
    pytest.param(
        "PUT",
        "/blobs/raw%20data",
        {"content": BLOB, "headers": {"content-type": "application/octet-stream"}},
        id="put-binary",
    ),
    pytest.param("GET", "/missing/thing", {}, id="404"),
]


def fetch_directly(transport: Any, method: str, url: str, kwargs: Any) -> httpx.Response:
    """The answer through httpx's own app transport (ASGI ones are async only)."""
    if isinstance(transport, httpx.AsyncBaseTransport):

        async def call() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(call())
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        return client.request(method, url, **kwargs)


def http_view(response: httpx.Response) -> dict[str, Any]:
    """What a client sees: status, content type, headers and body. Repeated
    headers compare as their comma-joined value (the same header in HTTP),
    except Set-Cookie, where every value counts."""
    headers: dict[str, Any] = {}
    for name in {key.lower() for key in response.headers}:
        values = response.headers.get_list(name)
        headers[name] = values if name == "set-cookie" else ", ".join(values)
    headers.pop("content-length", None)  # checked through the body itself
    return {
        "status": response.status_code,
        "content_type": response.headers.get("content-type"),
        "headers": headers,
        "body": response.content,
    }


@pytest.mark.parametrize(("method", "url", "kwargs"), REQUESTS)
@pytest.mark.parametrize(("source", "options"), SOURCES)
@pytest.mark.parametrize("framework", list(APPS))
def test_lambda_transport_matches_the_app_transport(
    framework: str, source: str, options: dict[str, Any], method: str, url: str, kwargs: Any
) -> None:
    app, direct_transport = APPS[framework]
    handler = Adapter(app)
    expected = fetch_directly(direct_transport(), method, url, kwargs)
    transport = LambdaTransport(handler, source, **options)
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        got = client.request(method, url, **kwargs)
    assert http_view(got) == http_view(expected)
    if method == "GET" and got.status_code == 200:
        assert got.headers.get_list("set-cookie") == COOKIES
    if method == "PUT":
        assert got.content == BLOB[::-1]
    assert transport.last_event is not None
    assert handler.source_for(transport.last_event).name == source


@pytest.mark.parametrize(("source", "options"), SOURCES)
def test_async_client_gets_the_same_answer(source: str, options: dict[str, Any]) -> None:
    handler = Adapter(fastapi_app)

    async def call() -> httpx.Response:
        transport = LambdaTransport(handler, source, **options)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            return await client.put("/blobs/x", content=BLOB)

    got = asyncio.run(call())
    assert got.status_code == 200
    assert got.content == BLOB[::-1]
    assert got.headers["x-name"] == "x"


@pytest.mark.parametrize(("source", "options"), SOURCES)
def test_cookies_set_by_the_app_come_back_on_the_next_request(
    source: str, options: dict[str, Any]
) -> None:
    transport = LambdaTransport(Adapter(flask_app), source, **options)
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        assert client.get("/items").status_code == 200
        assert client.get("/whoami").json() == {"session": "abc", "theme": "dark"}


def test_the_handler_gets_a_context_with_the_events_request_id() -> None:
    contexts: list[Any] = []
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        contexts.append(context)
        return {"statusCode": 204}

    with httpx.Client(transport=LambdaTransport(handler, timeout=5), base_url=BASE_URL) as client:
        assert client.delete("/x").status_code == 204
    (context,) = contexts
    assert isinstance(context, LambdaContext)
    assert context.aws_request_id == events[0]["requestContext"]["requestId"]
    assert 4000 < context.get_remaining_time_in_millis() <= 5000


def test_context_factory_replaces_the_default_context() -> None:
    made = LambdaContext(aws_request_id="fixed")
    seen: list[Any] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(context)
        return {"statusCode": 200, "body": "hi"}

    transport = LambdaTransport(handler, "alb", context_factory=lambda: made)
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        assert client.get("/").text == "hi"
    assert seen == [made]


MALFORMED = [
    pytest.param(
        "apigw-rest",
        {"body": "no status"},
        b'{"message": "Internal server error"}',
        id="rest-no-status",
    ),
    pytest.param(
        "apigw-http",
        {"statusCode": "abc"},
        b'{"message":"Internal Server Error"}',
        id="http-bad-status",
    ),
    pytest.param(
        "function-url",
        {"statusCode": 200, "cookies": "a=1"},
        b'{"message":"Internal Server Error"}',
        id="url-cookies-not-list",
    ),
    pytest.param(
        "alb",
        {"statusCode": 200, "multiValueHeaders": {"a": ["1"]}},
        b"502 Bad Gateway",
        id="alb-single-gets-multi",
    ),
]


@pytest.mark.parametrize(("source", "result", "body"), MALFORMED)
def test_a_malformed_result_raises_or_becomes_the_gateways_502(
    source: str, result: dict[str, Any], body: bytes
) -> None:
    def handler(event: Any, context: Any) -> dict[str, Any]:
        return result

    with (
        httpx.Client(transport=LambdaTransport(handler, source), base_url=BASE_URL) as client,
        pytest.raises(MalformedResponse, match="malformed Lambda"),
    ):
        client.get("/")
    transport = LambdaTransport(handler, source, raise_malformed=False)
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        response = client.get("/")
    assert response.status_code == 502
    assert body in response.content


def test_a_result_lambda_cannot_serialise_is_malformed() -> None:
    def handler(event: Any, context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "body": b"bytes are not JSON"}

    with (
        httpx.Client(transport=LambdaTransport(handler), base_url=BASE_URL) as client,
        pytest.raises(MalformedResponse, match="cannot serialise"),
    ):
        client.get("/")


def test_handler_exceptions_propagate() -> None:
    def handler(event: Any, context: Any) -> dict[str, Any]:
        raise KeyError("boom")

    with (
        httpx.Client(transport=LambdaTransport(handler), base_url=BASE_URL) as client,
        pytest.raises(KeyError, match="boom"),
    ):
        client.get("/")


@pytest.mark.parametrize(
    ("source", "options", "url", "status"),
    [
        pytest.param(
            "apigw-rest",
            {"stage": "prod", "stage_in_url": True},
            "/dev/x",
            403,
            id="rest-other-stage",
        ),
        pytest.param("apigw-rest", {"base_path": "/v1"}, "/v2/x", 403, id="rest-outside-base-path"),
        pytest.param(
            "apigw-http",
            {"stage": "dev", "stage_in_url": True},
            "/prod/x",
            404,
            id="http-other-stage",
        ),
        pytest.param(
            "apigw-http", {"base_path": "/v1"}, "/v1beta/x", 404, id="http-base-path-per-segment"
        ),
    ],
)
def test_requests_outside_the_api_get_the_gateways_own_answer(
    source: str, options: dict[str, Any], url: str, status: int
) -> None:
    calls: list[Any] = []

    def handler(event: Any, context: Any) -> dict[str, Any]:
        calls.append(event)
        return {"statusCode": 200}

    transport = LambdaTransport(handler, source, **options)
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        assert client.get(url).status_code == status
    assert calls == []


@pytest.mark.parametrize(
    ("source", "options", "url", "root_path", "path"),
    [
        pytest.param(
            "apigw-rest",
            {"stage": "prod", "stage_in_url": True},
            "/prod/items",
            "/prod",
            "/prod/items",
            id="rest-stage",
        ),
        pytest.param(
            "apigw-http",
            {"stage": "dev", "stage_in_url": True},
            "/dev/items",
            "/dev",
            "/dev/items",
            id="http-named-stage",
        ),
        pytest.param(
            "apigw-rest",
            {"base_path": "/v1"},
            "/v1/items",
            "/v1",
            "/v1/items",
            id="rest-custom-domain",
        ),
        # AWS leaves an HTTP API's mapping path out of rawPath; the Adapter puts it back.
        pytest.param(
            "apigw-http",
            {"base_path": "/v1"},
            "/v1/items",
            "/v1",
            "/v1/items",
            id="http-custom-domain",
        ),
    ],
)
def test_mount_points_reach_the_app_as_root_path(
    source: str, options: dict[str, Any], url: str, root_path: str, path: str
) -> None:
    app = FastAPI()

    @app.get("/items")
    async def items(request: Request) -> dict[str, str]:
        return {"root": request.scope["root_path"], "path": request.scope["path"]}

    handler = Adapter(app, base_path=options.get("base_path"))
    with httpx.Client(
        transport=LambdaTransport(handler, source, **options), base_url=BASE_URL
    ) as client:
        response = client.get(url)
    assert response.json() == {"root": root_path, "path": path}

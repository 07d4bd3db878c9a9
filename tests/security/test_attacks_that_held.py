"""The attacks of a security review that hatchway withstood, replayed so they
keep failing: spoofed client IP and host, header injection in responses, lost
Set-Cookie headers, and an inexact size guard for ASCII and binary bodies.

Every row goes through the real Adapter with events from hatchway.testing's
gateways (the events each AWS source sends), for an ASGI and a WSGI app.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from hatchway import Adapter
from hatchway.http import Response
from hatchway.testing import LambdaContext, build_event, gateway_names, read_response
from helpers import AsgiRecorder, WsgiRecorder

SOURCES = gateway_names()
CLIENT = ("203.0.113.7", 4321)
SPOOFED_IP = "6.6.6.6"
#: Headers a client sends to pass for someone else, somewhere else.
SPOOFING = {
    "X-Forwarded-For": SPOOFED_IP,
    "X-Real-IP": SPOOFED_IP,
    "Forwarded": f"for={SPOOFED_IP};host=evil.example;proto=http",
    "X-Forwarded-Host": "evil.example",
    "X-Original-Host": "evil.example",
    "True-Client-IP": SPOOFED_IP,
    "CF-Connecting-IP": SPOOFED_IP,
}
#: Where the client IP comes from: an AWS-set field, or the last X-Forwarded-For
#: entry, which the load balancer appends.
CLIENT_IP_FROM = {
    "apigw-rest": "requestContext.identity.sourceIp",
    "apigw-http": "requestContext.http.sourceIp",
    "function-url": "requestContext.http.sourceIp",
    "lambda-edge": "cf.request.clientIp",
    "alb": "last x-forwarded-for entry",
    "vpc-lattice": "last x-forwarded-for entry",
}


def interfaces() -> list[Any]:
    return [pytest.param("asgi", id="asgi"), pytest.param("wsgi", id="wsgi")]


def recorder(interface: str) -> tuple[Any, Adapter]:
    app: Any = AsgiRecorder() if interface == "asgi" else WsgiRecorder()
    return app, Adapter(app, lifespan="off") if interface == "asgi" else Adapter(app)


def client_and_host(app: Any) -> tuple[str | None, str, str]:
    """The client IP, server name and Host header the app saw."""
    if isinstance(app, AsgiRecorder):
        scope = app.scope
        host = dict(scope["headers"]).get(b"host", b"").decode()
        return (scope["client"] or (None,))[0], scope["server"][0], host
    environ = app.environ
    return environ.get("REMOTE_ADDR"), environ["SERVER_NAME"], environ.get("HTTP_HOST", "")


def replace_header(event: dict[str, Any], name: str, value: str) -> None:
    """Set request header ``name`` in an event of any source, as the only value."""
    for field in ("headers", "multiValueHeaders"):
        headers = event.get(field)
        if not isinstance(headers, dict):
            continue
        for key in [k for k in headers if k.lower() == name]:
            del headers[key]
        headers[name] = [value] if field == "multiValueHeaders" else value
    if "Records" in event:  # Lambda@Edge
        request = event["Records"][0]["cf"]["request"]
        request["headers"][name] = [{"key": name, "value": value}]


@pytest.mark.parametrize("interface", interfaces())
@pytest.mark.parametrize("source", SOURCES)
def test_client_ip_never_comes_from_client_headers(source: str, interface: str) -> None:
    app, handler = recorder(interface)
    event = build_event(source, "GET", "/", headers=SPOOFING, client=CLIENT)
    handler(event, LambdaContext())
    assert client_and_host(app)[0] == CLIENT[0], CLIENT_IP_FROM[source]


@pytest.mark.parametrize("interface", interfaces())
@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "lambda-edge"])
@pytest.mark.parametrize(
    "forwarded_for", [SPOOFED_IP, f"{SPOOFED_IP}, 7.7.7.7", f"{CLIENT[0]}, {SPOOFED_IP}"]
)
def test_x_forwarded_for_never_is_the_client_where_aws_names_it(
    source: str, interface: str, forwarded_for: str
) -> None:
    """Even an X-Forwarded-For whose last entry is not AWS's: the gateway's own
    field wins (API Gateway, Function URL, CloudFront)."""
    app, handler = recorder(interface)
    event = build_event(source, "GET", "/", client=("198.51.100.9", 1))
    replace_header(event, "x-forwarded-for", forwarded_for)
    handler(event, LambdaContext())
    assert client_and_host(app)[0] == "198.51.100.9"


@pytest.mark.parametrize("interface", interfaces())
@pytest.mark.parametrize("source", ["alb", "vpc-lattice"])
@pytest.mark.parametrize("sent", [SPOOFED_IP, f"{SPOOFED_IP}, 7.7.7.7", "not-an-ip"])
def test_load_balancers_client_is_the_entry_they_append(
    source: str, interface: str, sent: str
) -> None:
    app, handler = recorder(interface)
    event = build_event(source, "GET", "/", headers={"X-Forwarded-For": sent}, client=CLIENT)
    handler(event, LambdaContext())
    assert client_and_host(app)[0] == CLIENT[0]


@pytest.mark.parametrize("interface", interfaces())
@pytest.mark.parametrize("source", SOURCES)
def test_x_forwarded_host_is_never_used(source: str, interface: str) -> None:
    app, handler = recorder(interface)
    event = build_event(source, "GET", "https://api.example.com/", headers=SPOOFING)
    handler(event, LambdaContext())
    _, server_name, host = client_and_host(app)
    assert server_name == "api.example.com"
    assert host == "api.example.com"


# Response header injection: CR, LF and NUL never reach the gateway.

INJECTIONS = [
    pytest.param("value", "a\r\nSet-Cookie: session=evil", id="crlf-in-value"),
    pytest.param("value", "a\nX-Injected: 1", id="lf-in-value"),
    pytest.param("value", "a\rX-Injected: 1", id="cr-in-value"),
    pytest.param("value", "a\0b", id="nul-in-value"),
    pytest.param("name", "X-A\r\nX-Injected", id="crlf-in-name"),
    pytest.param("name", "X-A\nB", id="lf-in-name"),
    pytest.param("name", "X-A\0", id="nul-in-name"),
]


def injecting_app(interface: str, name: str, value: str) -> Any:
    if interface == "asgi":

        async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            headers = [(b"content-type", b"text/plain"), (name.encode(), value.encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"ok"})

        return Adapter(asgi_app, lifespan="off")

    def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), (name, value)])
        return [b"ok"]

    return Adapter(wsgi_app)


@pytest.mark.parametrize("interface", interfaces())
@pytest.mark.parametrize(("field", "bad"), INJECTIONS)
@pytest.mark.parametrize("source", SOURCES)
def test_cr_lf_nul_in_response_headers_are_refused(
    source: str, field: str, bad: str, interface: str, caplog: pytest.LogCaptureFixture
) -> None:
    name, value = ("X-Test", bad) if field == "value" else (bad, "1")
    handler = injecting_app(interface, name, value)
    with caplog.at_level(logging.ERROR, logger="hatchway"):
        result = handler(build_event(source, "GET", "/"), LambdaContext())
    response = read_response(source, result)
    assert response.status == 500
    rendered = json.dumps(result)
    for needle in ("Injected", "injected", "evil", "\\r", "\\n", "\\u0000"):
        assert needle not in rendered
    assert "500 Internal Server Error" in caplog.text


# Every Set-Cookie kept, on every source.

COOKIES = ["a=1; Path=/", "b=2; HttpOnly", "c=3; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]


@pytest.mark.parametrize("interface", interfaces())
@pytest.mark.parametrize(
    ("source", "multi_value"),
    [(source, False) for source in SOURCES] + [pytest.param("alb", True, id="alb-multi-value")],
)
def test_every_set_cookie_is_kept(source: str, interface: str, multi_value: bool) -> None:
    if interface == "asgi":
        app: Any = AsgiRecorder(
            headers=[(b"content-type", b"text/plain")]
            + [(b"set-cookie", c.encode()) for c in COOKIES]
        )
        handler = Adapter(app, lifespan="off")
    else:
        app = WsgiRecorder(
            headers=[("Content-Type", "text/plain")] + [("Set-Cookie", c) for c in COOKIES]
        )
        handler = Adapter(app)
    options = {"multi_value": multi_value} if multi_value else {}
    event = build_event(source, "GET", "/", **options)
    response = read_response(source, handler(event, LambdaContext()), **options)
    assert [v for k, v in response.headers if k.lower() == "set-cookie"] == COOKIES


# The size guard, exact for ASCII text and binary bodies.


def answering(body: bytes, content_type: str) -> Adapter:
    return Adapter(WsgiRecorder(headers=[("Content-Type", content_type)], body=body))


@pytest.mark.parametrize(
    ("content_type", "unit"),
    [pytest.param("text/plain", b"a", id="ascii"), pytest.param("image/png", b"\x89", id="binary")],
)
@pytest.mark.parametrize("source", ["alb", "lambda-edge"])
def test_size_guard_is_exact_for_ascii_and_binary(
    source: str, content_type: str, unit: bytes
) -> None:
    event = build_event(source, "GET", "/")
    probe = answering(b"", content_type)
    limit_of = getattr(probe.source_for(event), "response_limit")  # noqa: B009
    limit = limit_of(event)

    def would_render(length: int) -> int:
        source_ = probe.source_for(event)
        response = Response(200, [("Content-Type", content_type)], unit * length)
        return len(json.dumps(source_.render(response, event, probe.options)).encode())

    # The longest body whose rendered response is exactly at (or just under) the limit.
    room = limit - would_render(0)
    length = room * 3 // 4 + 3 if content_type == "image/png" else room + 3
    while would_render(length) > limit:
        length -= 1
    for body_length in (length, length + 1, length + 3, length + 4):
        result = answering(unit * body_length, content_type)(event, LambdaContext())
        status = str(result.get("statusCode", result.get("status")))
        assert status == ("200" if would_render(body_length) <= limit else "500"), body_length
    assert would_render(length + 4) > limit

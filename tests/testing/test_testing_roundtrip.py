"""Round trip: a generated client request, turned into each source's event by
``build_event`` and handed to ``Adapter``, reaches the app as the client sent
it, within each source's documented losses:

- HTTP API decodes the path (so ``raw_path`` is a re-encoding, and a decoded
  ``?`` cuts the path short) and joins repeated headers with ``,``;
- REST and ALB multi-value group repeated query keys (order kept per key);
- ALB single-value keeps only the last of repeated headers and query keys.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hatchway import Adapter
from hatchway.testing import ClientRequest, GatewaySettings, gateway_names
from hatchway.testing.events import gateway_for
from helpers import AsgiRecorder

SOURCES = [pytest.param(name, {}, id=name) for name in gateway_names() if name != "alb"]
SOURCES += [
    pytest.param("alb", {}, id="alb-single"),
    pytest.param("alb", {"multi_value": True}, id="alb-multi"),
]
CLIENT = ("198.51.100.7", 40000)

# Text with reserved, unreserved, percent, space and non-ASCII characters.
_CHARS = st.sampled_from([*"aZ09-._~!$&'()*+,;=:@/?#[]% \"<>", "\u00e9", "\u20ac", "\U0001f600"])
_TEXT = st.text(_CHARS, min_size=0, max_size=8)
_SEGMENT = st.text(_CHARS, min_size=1, max_size=8).filter(lambda s: s not in (".", ".."))
_TOKEN = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=12
)
_RESERVED_HEADERS = (
    "host",
    "content-length",
    "content-type",
    "cookie",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-forwarded-for-proto",  # VPC Lattice's names for the two above
    "x-forwarded-for-port",
    "x-amzn-trace-id",
)
_HEADER_NAME = st.one_of(
    _TOKEN.map(lambda t: "X-" + t), st.sampled_from(["Accept", "X-Dup", "x-dup"])
)
_HEADER_VALUE = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12
)
_METHOD = st.one_of(
    st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=10),
)
_CONTENT_TYPE = st.sampled_from(
    ["application/octet-stream", "text/plain; charset=utf-8", "application/json", "image/png"]
)


@st.composite
def client_requests(draw: st.DrawFn) -> dict[str, Any]:
    segments = draw(st.lists(_SEGMENT, min_size=0, max_size=4))
    path = "/" + "/".join(quote(s, safe="") for s in segments)
    if segments and draw(st.booleans()):
        path += "/"
    query = draw(
        st.lists(
            st.tuples(st.sampled_from(["a", "b", "\u00e9 k", "&="]) | _TEXT, _TEXT), max_size=5
        )
    )
    headers = draw(st.lists(st.tuples(_HEADER_NAME, _HEADER_VALUE), max_size=5))
    cookies = draw(st.lists(st.tuples(_TOKEN, _TOKEN), max_size=3))
    body = draw(st.binary(max_size=64))
    return {
        "method": draw(_METHOD),
        "path": path,
        "query": query,
        "headers": headers,
        "cookies": cookies,
        "body": body,
        "content_type": draw(_CONTENT_TYPE),
        "spoofed": draw(st.booleans()),
    }


def wire(req: dict[str, Any]) -> ClientRequest:
    target = req["path"]
    if req["query"]:
        target += "?" + "&".join(
            f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in req["query"]
        )
    headers = [("Host", "api.example.com"), *req["headers"]]
    if req["cookies"]:
        headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in req["cookies"])))
    if req["spoofed"]:
        headers.append(("X-Forwarded-For", "203.0.113.66"))
    if req["body"]:
        headers.append(("Content-Type", req["content_type"]))
        headers.append(("Content-Length", str(len(req["body"]))))
    return ClientRequest(req["method"], target, headers, req["body"], client=CLIENT)


def grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return groups


def expected_headers(req: dict[str, Any], source: str, multi_value: bool) -> dict[str, list[str]]:
    sent = grouped([(name.lower(), value) for name, value in req["headers"]])
    if source in ("apigw-http", "function-url"):
        return {name: [",".join(values)] for name, values in sent.items()}
    if source == "alb" and not multi_value:
        return {name: values[-1:] for name, values in sent.items()}
    return sent


def seen_headers(scope: dict[str, Any]) -> dict[str, list[str]]:
    pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
    return {k: v for k, v in grouped(pairs).items() if k not in _RESERVED_HEADERS}


@pytest.mark.parametrize(("source", "options"), SOURCES)
@given(req=client_requests())
def test_the_app_gets_the_request_the_client_sent(
    source: str, options: dict[str, Any], req: dict[str, Any]
) -> None:
    app = AsgiRecorder()
    handler = Adapter(app, lifespan="off")
    request = wire(req)
    event = gateway_for(source).build_event(request, GatewaySettings(**options))
    handler(event, None)
    scope = app.scope
    multi_value = bool(options.get("multi_value"))

    assert scope["method"] == req["method"]
    assert app.bodies[-1] == req["body"]
    assert scope["client"][0] == CLIENT[0]
    assert scope["scheme"] == "https"
    assert scope["server"] == ("api.example.com", 443)
    assert scope["root_path"] == ""

    if source == "apigw-http":
        assert scope["path"] == unquote(req["path"]).partition("?")[0]
    else:
        assert scope["path"] == unquote(req["path"])
        assert scope["raw_path"] == req["path"].encode("ascii")

    received = parse_qsl(scope["query_string"].decode("ascii"), keep_blank_values=True)
    if source in ("apigw-http", "function-url"):
        assert received == req["query"]
    elif source == "alb" and not multi_value:
        assert dict(received) == dict(req["query"])
    else:
        assert grouped(received) == grouped(req["query"])

    assert seen_headers(scope) == expected_headers(req, source, multi_value)
    cookie = [v for k, v in scope["headers"] if k == b"cookie"]
    if req["cookies"]:
        assert cookie == ["; ".join(f"{k}={v}" for k, v in req["cookies"]).encode("latin-1")]
    else:
        assert cookie == []

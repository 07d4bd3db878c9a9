"""Gzip for responses (``Adapter(compress=...)``) and oversized responses rescued."""

from __future__ import annotations

import base64
import gzip
import json
import logging
import random
import re
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hatchway import Adapter
from hatchway.compression import (
    DEFAULT_MINIMUM,
    accepts_gzip,
    compress_option,
    rest_binary_evidence,
)
from hatchway.sources.body import BodyCodec
from hatchway.testing import LambdaTransport, build_event, read_response
from helpers import Context
from helpers.events import http_api, rest_api

#: About 7 MB of JSON that compresses well, as API listings do.
BIG_ROWS = [
    {"id": i, "name": f"item {i}", "status": "active", "tags": ["a", "b"], "price": i % 100}
    for i in range(105_000)
]


def _app(body: bytes, headers: dict[str, str] | None = None, status: int = 200) -> Starlette:
    """Answers every path with ``body`` (JSON unless ``headers`` says otherwise)."""

    async def answer(request: Request) -> Response:
        return Response(body, status, {"content-type": "application/json", **(headers or {})})

    async def rows(request: Request) -> Response:
        return JSONResponse(BIG_ROWS)

    return Starlette(
        routes=[
            Route("/rows", rows),
            Route("/{rest:path}", answer, methods=["GET", "POST"]),
        ]
    )


def _header(result: dict[str, Any], name: str) -> str | None:
    for key, value in (result.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        if key.lower() == name:
            return ", ".join(values)
    return None


def _unzip(result: dict[str, Any]) -> bytes:
    assert result["isBase64Encoded"] is True
    return gzip.decompress(base64.b64decode(result["body"]))


JSON_BODY = json.dumps([{"n": i, "word": "compressible"} for i in range(200)]).encode()


# Accept-Encoding, parsed with q-values.


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("gzip;q=0, *", False),  # gzip refused by name: * does not bring it back
        ("*", True),
        ("*;q=0", False),
        ("deflate, br", False),
        ("identity", False),
        ("", False),
        ("gzip;q=0.001", True),
        ("gzip;q=1.5", False),  # not a qvalue: refused
        ("gzip;q=abc", False),
        ("gzip;q=nan", False),
        ("gzip ; q=0.5", True),
    ],
)
def test_accept_encoding(value: str, accepted: bool) -> None:
    assert accepts_gzip([("accept-encoding", value)]) is accepted


def test_accept_encoding_over_repeated_headers() -> None:
    assert accepts_gzip([("accept-encoding", "br"), ("accept-encoding", "gzip")])
    assert not accepts_gzip([("accept-encoding", "gzip"), ("accept-encoding", "gzip;q=0")])
    assert not accepts_gzip([])


# The option, checked when the Adapter is built.


@pytest.mark.parametrize(
    ("value", "minimum"), [(False, None), (None, None), (True, DEFAULT_MINIMUM), (0, 0), (500, 500)]
)
def test_compress_option(value: Any, minimum: int | None) -> None:
    assert compress_option(value) == minimum


@pytest.mark.parametrize(
    ("value", "error"), [(-1, ValueError), ("yes", TypeError), (1.5, TypeError)]
)
def test_compress_option_refused(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="compress"):
        Adapter(_app(b"{}"), compress=value)


# compress=True on each kind of response.


def _call(adapter: Adapter, event: dict[str, Any]) -> dict[str, Any]:
    return adapter(json.loads(json.dumps(event)), Context())  # type: ignore[no-any-return]


def test_compresses_json_for_a_client_accepting_gzip() -> None:
    adapter = Adapter(_app(JSON_BODY), compress=True)
    result = _call(adapter, http_api("/x", headers={"accept-encoding": "gzip, br"}))
    assert _header(result, "content-encoding") == "gzip"
    assert _header(result, "vary") == "Accept-Encoding"
    assert _unzip(result) == JSON_BODY
    # Starlette sent a Content-Length: it now counts the compressed bytes.
    assert _header(result, "content-length") == str(len(base64.b64decode(result["body"])))


@pytest.mark.parametrize(
    ("accept_encoding", "headers", "size"),
    [
        (None, {}, None),  # no Accept-Encoding
        ("gzip;q=0", {}, None),
        ("deflate", {}, None),
        ("gzip", {"content-type": "image/png"}, None),  # not compressible
        ("gzip", {"content-encoding": "br"}, None),  # already encoded
        ("gzip", {"cache-control": "public, no-transform"}, None),
        ("gzip", {}, 1000),  # below the 1024-byte minimum
    ],
)
def test_left_alone(accept_encoding: str | None, headers: dict[str, str], size: int | None) -> None:
    body = JSON_BODY[:size] if size else JSON_BODY
    adapter = Adapter(_app(body, headers), compress=True)
    request_headers = {"accept-encoding": accept_encoding} if accept_encoding else {}
    result = _call(adapter, http_api("/x", headers=request_headers))
    assert _header(result, "content-encoding") == headers.get("content-encoding")
    sent = (
        base64.b64decode(result["body"]) if result["isBase64Encoded"] else result["body"].encode()
    )
    assert sent == body


def test_partial_content_left_alone() -> None:
    adapter = Adapter(_app(JSON_BODY, {"content-range": "bytes 0-99/200"}, 206), compress=True)
    result = _call(adapter, http_api("/x", headers={"accept-encoding": "gzip"}))
    assert _header(result, "content-encoding") is None


def test_minimum_is_configurable() -> None:
    adapter = Adapter(_app(JSON_BODY[:200]), compress=100)
    result = _call(adapter, http_api("/x", headers={"accept-encoding": "gzip"}))
    assert _unzip(result) == JSON_BODY[:200]


def test_off_by_default() -> None:
    result = _call(Adapter(_app(JSON_BODY)), http_api("/x", headers={"accept-encoding": "gzip"}))
    assert _header(result, "content-encoding") is None
    assert result["body"].encode() == JSON_BODY


def test_vary_merged_and_etag_weakened() -> None:
    app = _app(JSON_BODY, {"vary": "Origin", "etag": '"v1"'})
    result = _call(Adapter(app, compress=True), http_api("/x", headers={"accept-encoding": "gzip"}))
    assert _header(result, "vary") == "Origin, Accept-Encoding"
    assert _header(result, "etag") == 'W/"v1"'


def test_text_mime_types_extend_what_compresses() -> None:
    app = _app(JSON_BODY, {"content-type": "application/vnd.acme"})
    event = http_api("/x", headers={"accept-encoding": "gzip"})
    assert _header(_call(Adapter(app, compress=True), event), "content-encoding") is None
    adapter = Adapter(app, compress=True, text_mime_types=["application/vnd.acme"])
    assert _unzip(_call(adapter, event)) == JSON_BODY


def test_httpx_client_reads_the_compressed_response() -> None:
    """Through the gateway emulation, as a client sees it: httpx inflates it."""
    adapter = Adapter(_app(JSON_BODY), compress=True)
    transport = LambdaTransport(adapter, "function-url")
    with httpx.Client(transport=transport, base_url="https://x.lambda-url.us-east-1.on.aws") as c:
        response = c.get("/x")
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == JSON_BODY
    assert transport.last_result["isBase64Encoded"] is True


# REST APIs: only where the request shows base64 reaches the client as bytes.


def _rest(
    body: bytes | None, content_type: str | None, *, b64: bool, accept: str | None = None
) -> dict[str, Any]:
    event = rest_api("/x", "POST" if body else "GET")
    headers = event["headers"]
    headers["Accept-Encoding"] = "gzip"
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    if body is not None:
        event["body"] = base64.b64encode(body).decode() if b64 else body.decode()
        event["isBase64Encoded"] = b64
    return event


@pytest.mark.parametrize(
    ("event", "evidence"),
    [
        (_rest(None, None, b64=False), None),  # a GET shows nothing
        (_rest(b'{"a": 1}', "application/json", b64=True), True),  # text arrived base64: */*
        (_rest(b"\x89PNG", "image/png", b64=True, accept="image/png"), True),
        (_rest(b"\x89PNG", "image/png", b64=True, accept="text/html"), None),
        (_rest(b'{"a": 1}', "application/json", b64=False), False),  # no */*, no Accept
        (_rest(b'{"a": 1}', "application/json", b64=False, accept="application/json"), False),
        (_rest(b'{"a": 1}', "application/json", b64=False, accept="image/png"), None),
        ({**_rest(None, None, b64=False), "version": "1.0"}, True),  # HTTP API payload 1.0
    ],
)
def test_rest_binary_evidence(event: dict[str, Any], evidence: bool | None) -> None:
    assert rest_binary_evidence(event, BodyCodec()) is evidence


def test_rest_compressed_only_with_evidence() -> None:
    adapter = Adapter(_app(JSON_BODY), compress=True)
    plain = _call(adapter, _rest(None, None, b64=False))
    assert _header(plain, "content-encoding") is None
    assert plain["body"].encode() == JSON_BODY
    shown = _call(adapter, _rest(b'{"a": 1}', "application/json", b64=True))
    assert _unzip(shown) == JSON_BODY


# Oversized responses rescued, with or without compress=.


def _function_url_event(path: str, headers: dict[str, str]) -> dict[str, Any]:
    return build_event("function-url", "GET", path, headers=headers)


@pytest.mark.parametrize("compress", [False, True])
def test_7mb_json_rescued_for_a_client_accepting_gzip(
    compress: bool, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = Adapter(_app(b""), compress=compress)
    expected = JSONResponse(BIG_ROWS).body
    assert len(expected) > 7_000_000
    event = _function_url_event("/rows", {"accept-encoding": "gzip, deflate"})
    with caplog.at_level(logging.WARNING, logger="hatchway"):
        result = _call(adapter, event)
    assert result["statusCode"] == 200
    assert _header(result, "content-encoding") == "gzip"
    assert _unzip(result) == expected
    assert len(json.dumps(result)) < 6_291_556
    # What the client receives, read back as the Function URL delivers it.
    response = read_response("function-url", json.loads(json.dumps(result)))
    assert gzip.decompress(response.body) == expected
    if not compress:
        (record,) = [r for r in caplog.records if "gzip-compressed instead" in r.getMessage()]
        message = record.getMessage()
        assert record.levelno == logging.WARNING
        assert "GET /rows" in message
        assert "req-1" in message
        sizes = [int(number) for number in re.findall(r"\d+", message)]
        assert any(size > 7_000_000 for size in sizes)
        sent = re.search(r"gzip-compressed instead, (\d+) bytes", message)
        assert sent is not None
        assert int(sent.group(1)) == len(json.dumps(result).encode())  # the size sent


def test_7mb_json_without_accept_encoding_still_500(caplog: pytest.LogCaptureFixture) -> None:
    adapter = Adapter(_app(b""))
    with caplog.at_level(logging.ERROR, logger="hatchway"):
        result = _call(adapter, _function_url_event("/rows", {}))
    assert result["statusCode"] == 500
    assert "response too large" in result["body"]
    assert any("over the" in r.getMessage() for r in caplog.records)


def test_oversized_and_incompressible_still_500(caplog: pytest.LogCaptureFixture) -> None:
    noise = random.Random(7).randbytes(5_000_000)
    body = json.dumps({"blob": base64.b64encode(noise).decode()}).encode()  # ~6.7 MB
    adapter = Adapter(_app(body))
    with caplog.at_level(logging.WARNING, logger="hatchway"):
        result = _call(adapter, _function_url_event("/x", {"accept-encoding": "gzip"}))
    assert result["statusCode"] == 500
    assert any("still" in r.getMessage() and "gzip" in r.getMessage() for r in caplog.records)


def test_alb_1mb_limit_rescued() -> None:
    body = json.dumps(BIG_ROWS[:20_000]).encode()  # about 1.3 MB
    adapter = Adapter(_app(body))
    event = build_event("alb", "GET", "/x", headers={"accept-encoding": "gzip"})
    result = _call(adapter, event)
    assert result["statusCode"] == 200
    assert _unzip(result) == body
    result = _call(adapter, build_event("alb", "GET", "/x"))
    assert result["statusCode"] == 500


def test_rest_without_evidence_not_rescued() -> None:
    """A REST client that would get base64 text keeps the honest 500."""
    body = json.dumps(BIG_ROWS[:100_000]).encode()
    result = _call(Adapter(_app(body)), _rest(None, None, b64=False))
    assert result["statusCode"] == 500

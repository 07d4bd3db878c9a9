"""Streaming in one process: the Adapter option, each source's prelude, the
stream format written and read back, and hatchway.testing on streamed responses."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from hatchway import Adapter
from hatchway.sources import ApiGatewayRest, FunctionUrl, SourceOptions
from hatchway.sources.base import MalformedResponse, StreamingSource
from hatchway.streaming import (
    DELIMITER,
    PreludeReader,
    StreamingHandler,
    read_streamed,
)
from hatchway.testing import LambdaContext, LambdaTransport, build_event, read_response

COOKIES = [("set-cookie", "a=1; Path=/"), ("Set-Cookie", "b=2")]


async def streaming_app(scope, receive, send):
    """Three chunks, two cookies, a repeated Vary; /broken fails after the first
    chunk, /early before the head."""
    if scope["type"] != "http":
        return
    await receive()
    if scope["path"] == "/early":
        raise RuntimeError("failed before the head")
    headers = [(b"content-type", b"text/plain"), (b"vary", b"accept"), (b"vary", b"origin")]
    headers += [(n.encode(), v.encode()) for n, v in COOKIES]
    await send({"type": "http.response.start", "status": 201, "headers": headers})
    await send({"type": "http.response.body", "body": b"one ", "more_body": True})
    if scope["path"] == "/broken":
        raise RuntimeError("broke after the first chunk")
    await send({"type": "http.response.body", "body": b"two\0", "more_body": True})
    await send({"type": "http.response.body", "body": b"three"})


def wsgi_app(environ, start_response):
    start_response("200 OK", [])
    return [b""]


@pytest.mark.parametrize(
    ("source", "prelude"),
    [
        pytest.param(
            FunctionUrl(),
            {
                "statusCode": 201,
                "headers": {"content-type": "text/plain", "vary": "accept, origin"},
                "cookies": ["a=1; Path=/", "b=2"],
            },
            id="function-url-cookies-apart-repeats-joined",
        ),
        pytest.param(
            ApiGatewayRest(),
            {
                "statusCode": 201,
                "headers": {"content-type": "text/plain"},
                "multiValueHeaders": {
                    "vary": ["accept", "origin"],
                    "set-cookie": ["a=1; Path=/", "b=2"],
                },
            },
            id="rest-api-repeats-in-multi-value-headers",
        ),
    ],
)
def test_prelude_shape_per_source(source, prelude):
    assert isinstance(source, StreamingSource)
    headers = [("content-type", "text/plain"), ("vary", "accept"), ("vary", "origin"), *COOKIES]
    assert source.render_prelude(201, headers, {}, SourceOptions()) == prelude


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(False, frozenset(), id="off"),
        pytest.param(True, frozenset({"function-url"}), id="true-means-function-urls"),
        pytest.param(["function-url", "apigw-rest"], {"function-url", "apigw-rest"}, id="named"),
    ],
)
def test_streaming_option(value, expected):
    assert Adapter(streaming_app, streaming=value).streaming == expected


@pytest.mark.parametrize(
    ("app", "value", "error"),
    [
        pytest.param(streaming_app, "function-url", TypeError, id="one-string"),
        pytest.param(streaming_app, [1], TypeError, id="not-a-name"),
        pytest.param(wsgi_app, True, ValueError, id="wsgi-app"),
    ],
)
def test_streaming_option_refused(app, value, error):
    with pytest.raises(error):
        Adapter(app, streaming=value)


class Collected(bytearray):
    def write(self, data: bytes) -> None:
        self.extend(data)


def _stream(adapter: Adapter, path: str, source: str = "function-url") -> bytes:
    streamer = StreamingHandler(adapter)
    event = build_event(source, "GET", path)
    chosen = streamer.source_for(event)
    assert chosen is not None
    out = Collected()
    streamer(chosen, event, LambdaContext(), out)
    return bytes(out)


def test_stream_format_written():
    payload = _stream(Adapter(streaming_app, streaming=True, exclude_headers=["vary"]), "/x")
    head, delimiter, body = payload.partition(DELIMITER)
    assert delimiter == b"\0" * 8
    assert json.loads(head) == {
        "statusCode": 201,
        "headers": {"content-type": "text/plain"},
        "cookies": ["a=1; Path=/", "b=2"],
    }
    assert body == b"one two\0three"  # a NUL inside the body is just a byte


@pytest.mark.parametrize(
    ("source", "streams"),
    [
        pytest.param("function-url", True, id="function-url"),
        pytest.param("apigw-http", False, id="http-api-buffered"),
        pytest.param("apigw-rest", False, id="rest-not-named"),
    ],
)
def test_which_events_stream(source, streams):
    streamer = StreamingHandler(Adapter(streaming_app, streaming=True))
    assert (streamer.source_for(build_event(source, "GET", "/")) is not None) is streams
    assert streamer.source_for({"Records": []}) is None


def test_errors_before_the_first_byte_answer_500_or_raise():
    payload = _stream(Adapter(streaming_app, streaming=True), "/early")
    response = read_response("function-url", payload)
    assert (response.status, response.body) == (500, b"Internal Server Error")
    with pytest.raises(RuntimeError, match="failed before the head"):
        _stream(Adapter(streaming_app, streaming=True, errors="raise"), "/early")


def test_error_after_the_first_byte_propagates():
    adapter = Adapter(streaming_app, streaming=True)
    out = Collected()
    streamer = StreamingHandler(adapter)
    event = build_event("function-url", "GET", "/broken")
    source = streamer.source_for(event)
    assert source is not None
    with pytest.raises(RuntimeError, match="broke after the first chunk"):
        streamer(source, event, LambdaContext(), out)
    assert bytes(out).endswith(DELIMITER + b"one ")


def test_read_response_understands_a_streamed_payload():
    payload = _stream(Adapter(streaming_app, streaming=True), "/x")
    response = read_response("function-url", payload)
    assert response.status == 201
    assert [v for n, v in response.headers if n == "set-cookie"] == ["a=1; Path=/", "b=2"]
    assert response.body == b"one two\0three"


def test_lambda_transport_streams_a_streaming_adapter():
    transport = LambdaTransport(Adapter(streaming_app, streaming=True), "function-url")
    with httpx.Client(transport=transport, base_url="https://x.lambda-url.us-east-1.on.aws") as c:
        response = c.get("/x")
    assert response.status_code == 201
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]
    assert response.headers["vary"] == "accept, origin"
    assert response.content == b"one two\0three"
    assert isinstance(transport.last_result, bytes)


@pytest.mark.parametrize(
    "pieces",
    [
        pytest.param([b'{"statusCode":204}' + DELIMITER + b"rest"], id="one-piece"),
        pytest.param([b'{"statusCode":', b"204}\0\0\0", b"\0\0\0\0\0rest"], id="delimiter-split"),
    ],
)
def test_prelude_reader_finds_the_delimiter_across_pieces(pieces):
    reader = PreludeReader()
    found = None
    for piece in pieces:
        found = reader.feed(piece)
    assert found == ({"statusCode": 204}, b"rest")


@pytest.mark.parametrize(
    ("payload", "content_type", "status", "body"),
    [
        pytest.param(b"{}" + DELIMITER + b"x", None, 200, b"x", id="no-status-means-200"),
        pytest.param(b"plain bytes", "text/plain", 200, b"plain bytes", id="no-prelude-type"),
    ],
)
def test_read_streamed(payload, content_type, status, body):
    response = read_streamed(payload, "function-url", content_type)
    assert (response.status, response.body) == (status, body)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b'{"statusCode":200}', id="no-delimiter"),
        pytest.param(b'{"statusCode":"x"}' + DELIMITER, id="bad-status"),
        pytest.param(b'{"cookies":[1]}' + DELIMITER, id="bad-cookies"),
    ],
)
def test_malformed_stream_is_the_gateways_502(payload):
    with pytest.raises(MalformedResponse) as refused:
        read_streamed(payload, "function-url")
    assert refused.value.status == 502


def test_streamed_responses_are_access_logged_like_buffered_ones(caplog):
    caplog.set_level("INFO", logger="hatchway.access")
    _stream(Adapter(streaming_app, streaming=True, access_log=True), "/x")
    _stream(Adapter(streaming_app, streaming=True), "/x")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "hatchway.access"]
    assert re.fullmatch(r"GET /x 201 \d+\.\dms 13 bytes \(request id [\w-]+\)", line), line

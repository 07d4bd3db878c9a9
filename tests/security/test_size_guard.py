"""The response-size guard measures exactly what the
runtime client sends, never serialises to do so, and refuses an oversized body
before rendering it.

- With ``ensure_ascii`` JSON an emoji is 12 bytes (a surrogate pair of
  ``\\uXXXX``), but the guard assumed at most 6 per character: ~12.6 MB of emoji
  text passed the 6 MB guard and Lambda failed the invocation opaquely; Lambda@Edge
  renders header names twice, which the guard counted once. ``ensure_ascii`` was
  chosen by Python version, not by ``AWS_EXECUTION_ENV`` as awslambdaric does.
- An oversized response was fully rendered (base64, then JSON) before being
  refused: about 5x its body in memory.
"""

from __future__ import annotations

import json
import logging
import tracemalloc
from typing import Any

import pytest

from hatchway import Adapter
from hatchway.limits import SYNC_INVOKE_LIMIT, counted_size, escapes_non_ascii, rendered_size
from hatchway.testing import LambdaContext, build_event, gateway_names

SOURCES = gateway_names()
EDGE_VIEWER_LIMIT = 40_960

#: Bodies whose escaping differs: (id, text).
BODIES = [
    ("empty", ""),
    ("ascii", "hello, world " * 40),
    ("html", '<p class="x">a "quoted" word</p>\n\t<br/>\r\n' * 20),
    ("quotes-backslashes", '"\\"\\\\" ' * 30),
    ("controls", "".join(chr(c) for c in range(32)) * 5),
    ("del", "a\x7fb" * 10),
    ("latin-1", "café naïve ÿ ß " * 20),
    ("bmp", "日本語のテキスト € \u2028 \u2029 \ufeff" * 10),
    ("emoji", "😀🎉" * 50),
    ("mixed", 'ok "😀" é\n\x01 \U0010ffff \\ 日本' * 10),
]


def app_answering(body: bytes, content_type: bytes, headers: list[tuple[bytes, bytes]] = []) -> Any:  # noqa: B006
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", content_type), *headers],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def rendered(source: str, text: str, **headers: str) -> dict[str, Any]:
    """The result the real Adapter renders for ``text`` on ``source``."""
    extra = [(k.encode(), v.encode("latin-1")) for k, v in headers.items()]
    app = app_answering(text.encode("utf-8"), b"text/plain; charset=utf-8", extra)
    result = Adapter(app, lifespan="off")(build_event(source, "GET", "/"), LambdaContext())
    assert isinstance(result, dict)
    return result


def dumped_size(value: Any, ensure_ascii: bool) -> int:
    return len(json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8"))


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize(("body_id", "text"), BODIES, ids=[b[0] for b in BODIES])
@pytest.mark.parametrize("source", SOURCES)
def test_rendered_size_is_exact(source: str, body_id: str, text: str, ensure_ascii: bool) -> None:
    result = rendered(source, text, **{"x-latin": "café ÿ", "x-quote": 'a"b\\c'})
    assert rendered_size(result, ensure_ascii) == dumped_size(result, ensure_ascii)


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize("source", SOURCES)
def test_base64_body_size_is_exact(source: str, ensure_ascii: bool) -> None:
    app = app_answering(bytes(range(256)) * 40, b"application/octet-stream")
    result = Adapter(app, lifespan="off")(build_event(source, "GET", "/"), LambdaContext())
    assert rendered_size(result, ensure_ascii) == dumped_size(result, ensure_ascii)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("\ud800", id="lone-high-surrogate"),
        pytest.param("a\udfffb", id="lone-low-surrogate"),
        pytest.param("\ud83d\ude00", id="pair-as-two-characters"),
    ],
)
def test_lone_surrogates_count_as_their_escapes(text: str) -> None:
    result = {"statusCode": 200, "body": text}
    assert rendered_size(result, True) == dumped_size(result, True)


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped", "utf8"])
def test_awslambdarics_encoder_renders_the_same_size(
    ensure_ascii: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    marshaller = pytest.importorskip("awslambdaric.lambda_runtime_marshaller")
    if ensure_ascii:
        monkeypatch.delenv("AWS_EXECUTION_ENV", raising=False)
    else:
        monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12")
    encoder = marshaller.Encoder()
    for source in SOURCES:
        for _, text in BODIES:
            result = rendered(source, text, **{"x-latin": "café"})
            sent = encoder.encode(result).encode("utf-8")
            assert rendered_size(result, escapes_non_ascii()) == len(sent), (source, text[:20])


@pytest.mark.parametrize(
    "execution_env",
    [
        None,
        "AWS_Lambda_python3.9",
        "AWS_Lambda_python3.11",
        "AWS_Lambda_python3.12",
        "AWS_Lambda_python3.13",
        "AWS_Lambda_python3.14",
        "AWS_Lambda_python3.15",
        "AWS_Lambda_python3.16",
        "AWS_Lambda_rapid",
        "",
    ],
)
def test_escaping_is_chosen_as_awslambdaric_chooses_it(
    execution_env: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    marshaller = pytest.importorskip("awslambdaric.lambda_runtime_marshaller")
    if execution_env is None:
        monkeypatch.delenv("AWS_EXECUTION_ENV", raising=False)
    else:
        monkeypatch.setenv("AWS_EXECUTION_ENV", execution_env)
    escaped = marshaller.Encoder().encode("é") == '"\\u00e9"'
    assert escapes_non_ascii() is escaped


# Emoji text over the limit gets the logged 500.


@pytest.mark.parametrize(
    ("source", "emoji", "limit"),
    [
        # 4 bytes of UTF-8 each, under the limit as bytes; 12 each once escaped.
        pytest.param("apigw-http", 600_000, SYNC_INVOKE_LIMIT, id="6MB-sync-invoke"),
        pytest.param("alb", 100_000, 1_048_576, id="alb-1MiB"),
        pytest.param("lambda-edge", 8_000, EDGE_VIEWER_LIMIT, id="edge-viewer-40KiB"),
    ],
)
def test_emoji_text_over_the_limit_gets_the_logged_500(
    source: str,
    emoji: int,
    limit: int,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = ("😀" * emoji).encode("utf-8")
    assert len(body) < limit < 3 * len(body)
    app = app_answering(body, b"text/plain; charset=utf-8")
    handler = Adapter(app, lifespan="off")
    event = build_event(source, "GET", "/")
    monkeypatch.delenv("AWS_EXECUTION_ENV", raising=False)  # escaped: 12 bytes an emoji
    with caplog.at_level(logging.ERROR, logger="hatchway"):
        refused = handler(event, LambdaContext())
    assert str(refused.get("statusCode", refused.get("status"))) == "500"
    assert dumped_size(refused, True) < 1000
    assert f"over the {limit}-byte limit" in caplog.text
    # Where the runtime sends UTF-8, the same body fits and is sent.
    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.13")
    sent = handler(event, LambdaContext())
    assert str(sent.get("statusCode", sent.get("status"))) == "200"
    assert dumped_size(sent, False) <= limit


@pytest.mark.parametrize("headers", range(900, 1100, 25))
def test_edge_header_names_count_twice(headers: int) -> None:
    """Lambda@Edge renders each header as ``name: [{key: Name, value}]``: 1,000
    tiny headers once passed at 41,123 bytes against 40,960."""
    extra = [(f"x-h{i}".encode(), b"v") for i in range(headers)]
    app = app_answering(b"ok", b"text/plain", extra)
    handler = Adapter(app, lifespan="off")
    event = build_event("lambda-edge", "GET", "/")
    result = handler(event, LambdaContext())
    source = handler.source_for(event)
    from hatchway.http import Response

    response = Response(
        200, [("content-type", "text/plain")] + [(k.decode(), "v") for k, _ in extra], b"ok"
    )
    whole = source.render(response, event, handler.options)
    over = dumped_size(whole, True) > EDGE_VIEWER_LIMIT
    assert result["status"] == ("500" if over else "200")
    size = counted_size(whole, EDGE_VIEWER_LIMIT)
    assert (size is not None and size > EDGE_VIEWER_LIMIT) is over


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize(("body_id", "text"), BODIES[1:], ids=[b[0] for b in BODIES[1:]])
def test_guard_decides_exactly_at_the_limit(
    body_id: str, text: str, ensure_ascii: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if ensure_ascii:
        monkeypatch.delenv("AWS_EXECUTION_ENV", raising=False)
    else:
        monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12")
    result = rendered("apigw-rest", text * 3000)
    size = dumped_size(result, ensure_ascii)
    assert counted_size(result, size) in (None, size)  # within: counted or not
    assert counted_size(result, size - 1) == size  # over: always counted, exactly


# Refused before it is rendered.


@pytest.mark.parametrize(
    ("content_type", "interface"),
    [
        pytest.param(b"image/png", "asgi", id="binary-asgi"),
        pytest.param(b"text/plain; charset=utf-8", "asgi", id="text-asgi"),
        pytest.param(b"image/png", "wsgi", id="binary-wsgi"),
    ],
)
def test_oversized_body_is_refused_before_it_is_rendered(
    content_type: bytes, interface: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"a" * (24 * 1024 * 1024)
    if interface == "asgi":
        handler = Adapter(app_answering(body, content_type), lifespan="off")
    else:

        def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
            start_response("200 OK", [("Content-Type", content_type.decode())])
            return [body]

        handler = Adapter(wsgi_app)
    event = build_event("apigw-http", "GET", "/")
    tracemalloc.start()
    try:
        with caplog.at_level(logging.ERROR, logger="hatchway"):
            result = handler(event, LambdaContext())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result["statusCode"] == 500
    assert f"at least {len(body)} bytes, over the {SYNC_INVOKE_LIMIT}-byte limit" in caplog.text
    # Rendering would take base64 (1.33x) and JSON (1.33x more) of the body.
    assert peak < 0.5 * len(body), f"peak {peak / len(body):.2f}x the body"


def test_binary_body_over_the_limit_once_encoded_is_refused_with_its_size(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = b"\x89" * (5 * 1024 * 1024)  # under 6 MB as bytes, ~7 MB as base64
    handler = Adapter(app_answering(body, b"image/png"), lifespan="off")
    with caplog.at_level(logging.ERROR, logger="hatchway"):
        result = handler(build_event("apigw-http", "GET", "/"), LambdaContext())
    assert result["statusCode"] == 500
    assert "is 699" in caplog.text  # 6,990,5xx bytes: the exact rendered size
    assert f"over the {SYNC_INVOKE_LIMIT}-byte limit" in caplog.text

"""The text-or-base64 decision for response bodies, shared by every source."""

from __future__ import annotations

import base64

import pytest

from hatchway.sources.body import BodyCodec

UTF8 = "héllo ✓".encode()
# (id, content-type, content-encoding, body, sent as text?)
ROWS = [
    ("text/plain-utf8", "text/plain; charset=utf-8", None, UTF8, True),
    ("text/html", "text/html", None, b"<p>x</p>", True),
    ("json", "application/json", None, b'{"a": 1}', True),
    ("problem+json", "application/problem+json", None, b"{}", True),
    ("vnd+json-suffix", "application/vnd.api+json; charset=utf-8", None, b"{}", True),
    ("javascript", "application/javascript", None, b"x()", True),
    ("xml", "application/xml", None, b"<a/>", True),
    ("atom+xml", "application/atom+xml", None, b"<a/>", True),
    ("yaml", "application/yaml", None, b"a: 1", True),
    ("form", "application/x-www-form-urlencoded", None, b"a=1", True),
    ("svg", "image/svg+xml", None, b"<svg/>", True),
    ("upper-case-type", "TEXT/PLAIN", None, b"x", True),
    ("identity-encoding-is-no-encoding", "text/plain", "identity", b"x", True),
    ("png", "image/png", None, b"\x89PNG", False),
    ("octet-stream", "application/octet-stream", None, b"abc", False),
    ("no-content-type-utf8-is-text", None, None, b"abc", True),
    ("no-content-type-not-utf8-is-binary", None, None, b"\xff\xfe", False),
    ("no-content-type-gzip-is-binary", None, "gzip", b"abc", False),
    ("gzip-json-is-binary", "application/json", "gzip", b"\x1f\x8b\x08", False),
    (
        "latin-1-text-is-not-utf8",
        "text/plain; charset=latin-1",
        None,
        "café".encode("latin-1"),
        False,
    ),
    ("json-lookalike-prefix", "application/jsonx", None, b"{}", False),
]


@pytest.mark.parametrize(
    ("content_type", "encoding", "body", "as_text"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_body_encoding(
    content_type: str | None, encoding: str | None, body: bytes, as_text: bool
) -> None:
    field, is_base64 = BodyCodec().encode(body, content_type, encoding)
    assert is_base64 is not as_text
    decoded = base64.b64decode(field) if is_base64 else field.encode("utf-8")
    assert decoded == body


def test_empty_body_is_empty_text() -> None:
    assert BodyCodec().encode(b"", "image/png", None) == ("", False)


@pytest.mark.parametrize(
    ("extra", "content_type", "as_text"),
    [
        (["application/vnd.custom"], "application/vnd.custom; v=1", True),
        (["application/*"], "application/octet-stream", True),
        ([], "application/vnd.custom", False),
    ],
)
def test_text_mime_types_extend_the_list(
    extra: list[str], content_type: str, as_text: bool
) -> None:
    _, is_base64 = BodyCodec(extra).encode(b"abc", content_type, None)
    assert is_base64 is not as_text

"""Base64 bodies both ways, with pybase64 (the ``speedups`` extra) and with the
standard library: the same text out, and the same bodies taken or refused in."""

from __future__ import annotations

import base64
import random
import sys
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatchway.errors import BadRequest
from hatchway.sources import body as body_module
from hatchway.sources.body import BodyCodec, base64_text, decode_body


@pytest.fixture(params=["pybase64", "standard-library"])
def codec(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with pybase64 (when installed) and with the standard library."""
    if request.param == "pybase64":
        pytest.importorskip("pybase64")
        monkeypatch.setattr(body_module, "_pybase64", None)  # found again on first use
    else:
        monkeypatch.setattr(body_module, "_pybase64", False)
    return str(request.param)


# Lengths around the 3-byte groups and pybase64's SIMD blocks (12, 24, 48
# bytes), then a big one.
LENGTHS = [0, 1, 2, 3, 4, 5, 11, 12, 13, 23, 24, 25, 47, 48, 49, 1000, 1 << 20]


@pytest.mark.parametrize("length", LENGTHS)
def test_base64_text_matches_the_standard_library(codec: str, length: int) -> None:
    data = random.Random(length).randbytes(length)
    text = base64_text(data)
    assert type(text) is str
    assert text == base64.b64encode(data).decode("ascii")


def test_binary_response_body_goes_back_in_base64(codec: str) -> None:
    body = bytes(range(256)) * 3
    field, is_base64 = BodyCodec().encode(body, "application/octet-stream", None)
    assert is_base64
    assert base64.b64decode(field, validate=True) == body


# (id, body field flagged base64, the bytes it decodes to; None: refused, 400)
DECODE_ROWS = [
    ("empty", "", b""),
    ("one-full-group", "YWJj", b"abc"),
    ("one-pad", "YWI=", b"ab"),
    ("two-pads", "YQ==", b"a"),
    ("all-alphabet-edges", "+/+/", b"\xfb\xff\xbf"),
    # Non-zero bits after the last byte: both decoders drop them.
    ("nonzero-trailing-bits", "YR==", b"a"),
    ("padding-missing", "YQ", None),
    ("padding-short", "YQ=", None),
    ("padding-after-a-full-group", "YWJj=", None),
    ("two-pads-after-a-full-group", "YWJj==", None),
    ("padding-alone", "=", None),
    ("a-group-of-padding", "====", None),
    ("three-pads", "Y===", None),
    ("data-after-padding", "YQ==YQ==", None),
    ("newline", "YWJj\n", None),
    ("space-inside", "YW Jj", None),
    ("url-safe-alphabet", "-_-_", None),
    ("non-ascii", "YWJé", None),
]


@pytest.mark.parametrize(
    ("field", "expected"), [r[1:] for r in DECODE_ROWS], ids=[r[0] for r in DECODE_ROWS]
)
def test_request_body_decoding(codec: str, field: str, expected: bytes | None) -> None:
    if expected is None:
        with pytest.raises(BadRequest, match="flagged base64 but does not decode"):
            decode_body(field, True, source="test")
    else:
        assert decode_body(field, True, source="test") == expected


def test_big_request_body_round_trips(codec: str) -> None:
    data = random.Random(6).randbytes(3 << 20)
    assert decode_body(base64.b64encode(data).decode(), True, source="test") == data


def _outcome(decode: Callable[[str], bytes], text: str) -> bytes | None:
    try:
        return decode(text)
    except (ValueError, BadRequest):  # binascii.Error is a ValueError
        return None


def _standard_library_decode(text: str) -> bytes:
    found = body_module._pybase64
    body_module._pybase64 = False  # not a fixture: hypothesis calls this many times per test
    try:
        return body_module._strict_b64decode(text)
    finally:
        body_module._pybase64 = found


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="AQg/+=\n é-", max_size=14))
def test_both_decoders_take_and_refuse_the_same_bodies(text: str) -> None:
    # pybase64's own strict decoder is the reference the padding rule matches.
    pybase64 = pytest.importorskip("pybase64")
    fast = _outcome(lambda t: pybase64.b64decode(t, validate=True), text)
    assert _outcome(_standard_library_decode, text) == fast
    assert _outcome(body_module._strict_b64decode, text) == fast


def test_without_pybase64_the_standard_library_does_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pybase64", None)  # import pybase64 -> ImportError
    monkeypatch.setattr(body_module, "_pybase64", None)
    assert base64_text(b"\xff\x00hatchway") == base64.b64encode(b"\xff\x00hatchway").decode()
    assert body_module._pybase64 is False  # looked for once, not on every body
    assert decode_body("/wBoYXRjaHdheQ==", True, source="test") == b"\xff\x00hatchway"

"""The checks on the response head an ASGI app sends, each case at the edge
of the usual one (an int status, bytes headers) that is checked quickest."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest

from hatchway.asgi.messages import check_headers, check_status
from hatchway.errors import ProtocolError


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (200, 200),
        (100, 100),
        (599, 599),
        (HTTPStatus.NOT_FOUND, 404),
        (99, None),
        (600, None),
        (True, None),
        (200.0, None),
        ("200", None),
        (None, None),
    ],
)
def test_status(status: Any, code: int | None) -> None:
    if code is None:
        with pytest.raises(ProtocolError):
            check_status(status)
    else:
        checked = check_status(status)
        assert (checked, type(checked)) == (code, int)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"content-type", b"text/plain")], [("content-type", "text/plain")]),
        ([(bytearray(b"x-a"), memoryview(b"1"))], [("x-a", "1")]),
        ([(b"x-a", b"caf\xe9")], [("x-a", "caf\xe9")]),
        ([(b"x-a", b"a\tb")], [("x-a", "a\tb")]),
        ((), []),
        ([(b"x-a", b"1\r\nx-b: 2")], None),
        ([(b"x-a", b"1\0")], None),
        ([(b"x:a", b"1")], None),
        ([(b"x a", b"1")], None),
        ([(b"", b"1")], None),
        ([("x-a", b"1")], None),
        ([(b"x-a", "1")], None),
        ([(b"x-a", b"1", b"2")], None),
        ([b"x-a"], None),
        (None, None),
    ],
)
def test_headers(headers: Any, expected: list[tuple[str, str]] | None) -> None:
    if expected is None:
        with pytest.raises(ProtocolError):
            check_headers(headers)
    else:
        assert check_headers(headers) == expected

"""Streamed responses in the local gateway: from the Runtime API to the HTTP client.

A runtime that posts its response with ``Lambda-Runtime-Function-Response-Mode:
streaming`` hands the emulator a :class:`~hatchway.local.invocation.StreamedResult`:
the chunks are put into it as they arrive, and the gateway thread takes them
out as they come.
:func:`open_stream` reads the prelude (status, headers, cookies) from the
first chunks and gives a :class:`StreamedResponse` whose body yields the rest.
An error the runtime reports in the trailers (``Lambda-Runtime-Function-Error-Type``
and the base64 ``-Error-Body``) ends the body with a :class:`FunctionError`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator

from ..sources.base import MalformedResponse
from ..streaming import PRELUDE_CONTENT_TYPE, PreludeReader, read_prelude
from .invocation import FunctionError, StreamedResult

__all__ = ["StreamedResponse", "open_stream", "trailer_error"]


def trailer_error(error_type: str | None, error_body: str | None) -> FunctionError | None:
    """The error a runtime reported in the trailers of a streamed response, if any."""
    if not error_type and not error_body:
        return None
    document = b""
    if error_body:
        try:
            document = base64.b64decode(error_body.strip(), validate=True)
        except (binascii.Error, ValueError):
            document = error_body.encode("utf-8", "replace")
    return FunctionError.from_document(document, error_type)


class StreamedResponse:
    """A response whose body is still arriving."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: Iterator[bytes]) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def open_stream(result: StreamedResult, source: str) -> StreamedResponse:
    """Wait for the head of ``result`` and return the response to send.

    With the prelude content type the prelude gives the status and headers;
    with any other, that content type is the only header (status 200).
    Raises :class:`FunctionError` if the function failed before the head,
    :class:`MalformedResponse` (502) for a stream without a valid prelude.
    """
    chunks = result.chunks()
    if result.content_type != PRELUDE_CONTENT_TYPE:
        return StreamedResponse(200, [("content-type", result.content_type)], chunks)
    reader = PreludeReader()
    try:
        for chunk in chunks:
            found = reader.feed(chunk)
            if found is not None:
                prelude, rest = found
                status, headers = read_prelude(prelude, source)
                return StreamedResponse(status, headers, _prepend(rest, chunks))
    except ValueError as exc:
        raise MalformedResponse(502, f"malformed streamed response for {source}: {exc}") from exc
    raise MalformedResponse(
        502, f"malformed streamed response for {source}: it ended before the prelude delimiter"
    )


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest

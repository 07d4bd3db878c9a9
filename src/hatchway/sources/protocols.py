"""The protocols of an event source: :class:`Source` (both directions' handler
side), :class:`StreamingSource` and :class:`Gateway` (what the AWS service in
front of the function does).

Importable from :mod:`hatchway.sources.base` (and :mod:`hatchway`) as well;
they live apart because a ``Protocol`` needs :mod:`typing`, which the handler's
import path leaves out.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from ..http import Request, Response
from .base import ClientRequest, Event, GatewaySettings, SourceOptions

__all__ = ["Gateway", "Source", "StreamingSource"]


@runtime_checkable
class Source(Protocol):
    """One event format: how to recognise it, parse it and answer it.

    ``matches`` must be cheap (key checks only) and never raise. ``parse``
    raises :class:`~hatchway.InvalidEvent` for a malformed event and
    :class:`~hatchway.errors.BadRequest` for a request the app cannot be given
    (answered 400). ``render`` turns the app's response into the dict the
    service accepts, given the event it answers.
    """

    name: str

    def matches(self, event: Event) -> bool: ...

    def parse(self, event: Event, options: SourceOptions) -> Request: ...

    def render(
        self, response: Response, event: Event, options: SourceOptions
    ) -> dict[str, Any]: ...


@runtime_checkable
class StreamingSource(Source, Protocol):
    """A source whose service can take a streamed response (Function URLs in
    ``RESPONSE_STREAM`` mode, REST APIs with response streaming).

    ``render_prelude`` is the JSON document that precedes the body (after it,
    eight NUL bytes, then the raw body): the status and headers in the shape
    that service reads. Bodies are never base64 there.
    """

    def render_prelude(
        self, status: int, headers: list[tuple[str, str]], event: Event, options: SourceOptions
    ) -> dict[str, Any]: ...


@runtime_checkable
class Gateway(Protocol):
    """The gateway direction of a source: what the AWS service itself does.

    ``build_event`` turns a client's request into the event the service sends
    (header case and joining, path encoding, query maps, base64 bodies,
    request context), or raises :class:`~hatchway.sources.base.GatewayError` when the service would
    answer on its own (a URL outside the stage or base path). ``read_response``
    turns the function's response dict into the HTTP response the client gets,
    every Set-Cookie kept, and raises :class:`~hatchway.sources.base.MalformedResponse` (status 502)
    for a dict the service rejects. ``request`` is the request being answered
    (some services look at its Accept header).
    """

    name: str

    def build_event(self, request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]: ...

    def read_response(
        self, result: Any, request: ClientRequest, settings: GatewaySettings
    ) -> Response: ...

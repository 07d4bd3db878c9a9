"""The contract of an event source: the :class:`Source` protocol and the
options every source reads, and the gateway direction's protocol and values
(:class:`Gateway`, :class:`ClientRequest`, :class:`GatewaySettings`,
:class:`GatewayError`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..errors import HatchwayError
from ..http import Request, Response, first_header
from .body import BodyCodec

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "ClientRequest",
    "Event",
    "Gateway",
    "GatewayError",
    "GatewaySettings",
    "MalformedResponse",
    "Source",
    "SourceOptions",
    "StreamingSource",
]

#: A Lambda event as the runtime hands it over: decoded JSON.
Event = Mapping[str, Any]


class SourceOptions:
    """Adapter-wide settings a source needs to map requests and render responses.

    Built once per ``Adapter``; sources only read it.
    """

    __slots__ = ("base_path", "codec", "strip_stage")

    def __init__(
        self,
        *,
        base_path: str = "",
        strip_stage: bool = False,
        codec: BodyCodec | None = None,
    ) -> None:
        #: Normalised custom-domain base path ("" or "/v1"; never a trailing slash).
        self.base_path = base_path
        #: Drop the API Gateway stage from the path instead of mounting the app under it.
        self.strip_stage = strip_stage
        #: Decides text or base64 for response bodies (with the Adapter's ``text_mime_types``).
        self.codec = codec if codec is not None else BodyCodec()


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


# The gateway direction: what the AWS service in front of the function does.
# A source that implements it can turn a plain HTTP request into the event that
# service would send, and the function's response dict back into the HTTP
# response that service would deliver. The test client (hatchway.testing) and
# the local gateway both use it; helpers shared by every source's gateway side
# live in .gateway.


class ClientRequest:
    """One HTTP request as the client put it on the wire, before any gateway.

    ``target`` is the request target exactly as sent: the percent-encoded path
    and, after ``?``, the query (``/a%2Fb?x=1&x=2``). ``headers`` keep the
    client's letter case, order and repeats; values are latin-1 text. ``client``
    is the peer address the gateway sees; ``scheme`` the scheme it was reached by.
    """

    __slots__ = ("body", "client", "headers", "method", "scheme", "target")

    def __init__(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        *,
        client: tuple[str, int] = ("127.0.0.1", 50000),
        scheme: str = "https",
    ) -> None:
        self.method = method
        self.target = target
        self.headers: list[tuple[str, str]] = list(headers)
        self.body = body
        self.client = client
        self.scheme = scheme

    @property
    def path(self) -> str:
        """The path part of the target, still percent-encoded."""
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        """The query part of the target (without ``?``), as sent."""
        return self.target.partition("?")[2]

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        return first_header(self.headers, name)

    def __repr__(self) -> str:
        return f"<ClientRequest {self.method} {self.target!r}>"


class GatewaySettings:
    """How the gateway in front of the function is configured.

    Built once per gateway (a test client, a local server); each source reads
    the fields that exist for its service and ignores the others.

    - ``stage``: the API Gateway stage; ``None`` means the source's usual one
      (``$default`` for HTTP APIs and Function URLs, ``prod`` for REST APIs).
    - ``stage_in_url``: the client calls the API's own ``execute-api`` endpoint,
      whose URLs begin with ``/<stage>`` (REST always; HTTP APIs for a named
      stage). False means a custom domain, where ``base_path`` selects the API.
    - ``base_path``: the custom domain's API mapping path (``""`` or ``/v1``);
      URLs outside it are refused with 404 as the gateway does.
    - ``binary_media_types``: a REST API's binary media types. AWS's default is
      none; ``*/*`` (the default here) is what an API in front of a whole web
      app needs. A request body whose Content-Type matches none of them reaches
      the function as text (invalid UTF-8 replaced), and a base64 response
      reaches the client as base64 text unless the request's Accept matches.
    - ``multi_value``: an ALB target group's multi-value headers setting.
    - ``domain_name``: the gateway's own domain, used where no Host header
      names one; ``None`` means a made-up domain of the right form.
    - ``request_id`` / ``time``: fixed values for reproducible events; ``None``
      means a fresh id and the current time for each request.
    """

    __slots__ = (
        "base_path",
        "binary_media_types",
        "domain_name",
        "multi_value",
        "request_id",
        "stage",
        "stage_in_url",
        "time",
    )

    def __init__(
        self,
        *,
        stage: str | None = None,
        stage_in_url: bool = False,
        base_path: str = "",
        binary_media_types: Iterable[str] = ("*/*",),
        multi_value: bool = False,
        domain_name: str | None = None,
        request_id: str | None = None,
        time: datetime | None = None,
    ) -> None:
        if base_path and (not base_path.startswith("/") or base_path.endswith("/")):
            raise ValueError(f"base_path must look like '/v1' (or be ''), not {base_path!r}")
        if isinstance(binary_media_types, str):
            raise TypeError("binary_media_types takes a list of media types, not one string")
        self.stage = stage
        self.stage_in_url = stage_in_url
        self.base_path = base_path
        self.binary_media_types = tuple(t.strip().lower() for t in binary_media_types)
        self.multi_value = multi_value
        self.domain_name = domain_name
        self.request_id = request_id
        self.time = time

    def new_request_id(self) -> str:
        """The request id for the next request: the fixed one, else a fresh UUID."""
        if self.request_id is not None:
            return self.request_id
        import uuid  # the gateway direction only: kept off the handler's import path

        return str(uuid.uuid4())

    def now(self) -> datetime:
        """The time of the next request: the fixed one, else now (UTC)."""
        if self.time is not None:
            return self.time
        from datetime import datetime, timezone

        return datetime.now(timezone.utc)


@runtime_checkable
class Gateway(Protocol):
    """The gateway direction of a source: what the AWS service itself does.

    ``build_event`` turns a client's request into the event the service sends
    (header case and joining, path encoding, query maps, base64 bodies,
    request context), or raises :class:`GatewayError` when the service would
    answer on its own (a URL outside the stage or base path). ``read_response``
    turns the function's response dict into the HTTP response the client gets,
    every Set-Cookie kept, and raises :class:`MalformedResponse` (status 502)
    for a dict the service rejects. ``request`` is the request being answered
    (some services look at its Accept header).
    """

    name: str

    def build_event(self, request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]: ...

    def read_response(
        self, result: Any, request: ClientRequest, settings: GatewaySettings
    ) -> Response: ...


class GatewayError(HatchwayError):
    """The gateway answers the client itself, without (or despite) the function.

    ``status``, ``headers`` and ``body`` are that answer, as the service sends it.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: list[tuple[str, str]] | None = None,
        body: bytes | None = None,
    ) -> None:
        self.status = status
        self.headers = headers if headers is not None else [("content-type", "application/json")]
        self.body = body if body is not None else b'{"message":"Internal server error"}'
        super().__init__(message)

    def response(self) -> Response:
        """The gateway's own answer as a neutral response."""
        return Response(self.status, list(self.headers), self.body)


class MalformedResponse(GatewayError):
    """The function returned a dict the gateway cannot turn into HTTP: it answers 502."""

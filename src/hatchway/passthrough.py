"""Pass-through: events of no HTTP source (SQS, SNS, S3, EventBridge, schedules,
warm-up pings) handed to a callable, or into the app as ``POST <path>``.

``Adapter(app, passthrough="/events")`` sends such an event to the app as a
``POST /events`` request whose body is the event as JSON (``content-type:
application/json``); ``aws.event`` and ``aws.context`` are set as for HTTP
requests. The app's response body, parsed as JSON (or its text when it is not
JSON; ``None`` when empty), is the handler's return value. A status outside
2xx raises :class:`~hatchway.errors.PassthroughError`, so Lambda counts the
invocation as failed and retries or dead-letters the batch as configured.

``Adapter(app, passthrough=callable)`` calls ``callable(event, context)`` and
returns what it returns.

A pass-through request cannot be forged over HTTP: its ASGI scope and WSGI
environ carry ``"hatchway.passthrough": True``, a key no header can set, and an
HTTP request for the pass-through path (any method; trailing slash, repeated
slashes, dot segments and letter case ignored) is answered ``404`` before the
app runs. Without both, any client could ``POST /events`` a forged SQS batch
through the gateway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from .errors import PassthroughError
from .http import Request, Response, plain_response
from .log import LazyLogger, request_id_of
from .sources.paths import from_decoded, mount_point

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "EventRequest",
    "EventRoute",
    "Passthrough",
    "is_websocket_event",
    "make_passthrough",
    "refusal",
]

logger = LazyLogger("hatchway")

if TYPE_CHECKING:
    #: Runs a request through the app (with the adapter's error handling).
    RunApp = Callable[[Request, Any, Any], Response]
else:
    RunApp = Callable


def is_websocket_event(event: Any) -> bool:
    """API Gateway WebSocket events: refused, never passed through (they need
    a reply shaped for the WebSocket API, not a return value)."""
    if not isinstance(event, Mapping):
        return False
    context = event.get("requestContext")
    return isinstance(context, Mapping) and "connectionId" in context


class EventRequest(Request):
    """The request a pass-through event becomes: the runners mark its scope
    and environ with ``hatchway.passthrough`` (see :data:`~hatchway.http.PASSTHROUGH_KEY`)."""

    __slots__ = ()
    passthrough = True


class EventRoute:
    """Delivers an event into the app as ``POST <path>`` with a JSON body."""

    __slots__ = ("path", "raw_path", "root_path", "route_key")

    def __init__(self, path: str, base_path: str = "") -> None:
        self.path, self.raw_path = from_decoded(path)
        self.root_path = mount_point(self.path, base_path)
        self.route_key = _route_key(self.path[len(self.root_path) :])

    def refuses(self, request: Request) -> bool:
        """Whether an HTTP ``request`` is for the pass-through route: refused,
        so a client cannot hand the app a forged event. Compared below the
        request's mount point, the way routers match, and loosely (see
        :func:`_route_key`): a router that redirects ``/events/`` or matches
        without case must not reach the route either."""
        return _route_key(request.path[len(request.root_path) :]) == self.route_key

    def __call__(self, event: Any, context: Any, run: RunApp) -> Any:
        import json

        body = json.dumps(event, separators=(",", ":")).encode("utf-8")
        request = EventRequest(
            method="POST",
            path=self.path,
            raw_path=self.raw_path,
            root_path=self.root_path,
            headers=[
                ("content-type", "application/json"),
                ("content-length", str(len(body))),
            ],
            body=body,
        )
        response = run(request, event, context)
        if not 200 <= response.status < 300:
            raise PassthroughError(self.path, response.status, response.body)
        return _result(response.body)

    def __repr__(self) -> str:
        return f"<EventRoute POST {self.path}>"


class _CallablePassthrough:
    __slots__ = ("function",)

    def __init__(self, function: Callable[[Any, Any], Any]) -> None:
        self.function = function

    def refuses(self, request: Request) -> bool:
        return False  # the app never sees these events: no route to protect

    def __call__(self, event: Any, context: Any, run: RunApp) -> Any:
        return self.function(event, context)


class Passthrough(Protocol):
    """What the adapter calls for an event no source recognised: an
    :class:`EventRoute`, a callable's wrapper, a :class:`~hatchway.batch.BatchPassthrough`."""

    def refuses(self, request: Request) -> bool:
        """Whether an HTTP ``request`` aims at a route only events may reach."""

    def __call__(self, event: Any, context: Any, run: RunApp) -> Any:
        """The handler's return value for ``event``."""


def refusal(passthrough: Passthrough | None, request: Request, context: Any) -> Response | None:
    """The 404 for an HTTP ``request`` aimed at the pass-through route (logged),
    or None: the Adapter and the streaming handler answer it before the app runs."""
    if passthrough is None or not passthrough.refuses(request):
        return None
    logger.warning(
        "404 Not Found: %s %s is the pass-through route; only events reach it (request id %s)",
        request.method,
        request.path,
        request_id_of(context),
    )
    return plain_response(404, "Not Found")


def _route_key(path: str) -> str:
    """``path`` as loosely as any router may match it: repeated slashes as
    one, ``.`` and ``..`` segments resolved, no trailing slash, case folded."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    return "/" + "/".join(segments).casefold()


def _result(body: bytes) -> Any:
    """The app's answer as the handler's return value."""
    import json

    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:  # not JSON (UnicodeDecodeError is a ValueError too)
        return body.decode("utf-8", errors="replace")


def make_passthrough(option: object, base_path: str = "") -> Passthrough | None:
    """The ``passthrough=`` option, checked once when the Adapter is built."""
    if option is None:
        return None
    if isinstance(option, str):
        if not option.startswith("/") or any(c in option for c in "?#") or not option.isprintable():
            raise ValueError(
                f"passthrough must be a path like '/events' or a callable, not {option!r}"
            )
        return EventRoute(option, base_path)
    if callable(option):
        return _CallablePassthrough(option)
    raise TypeError(
        "passthrough must be a path like '/events' or a callable(event, context), "
        f"not {type(option).__name__}"
    )

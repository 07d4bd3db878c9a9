"""``Adapter``: the Lambda handler that wires an event source to an app runner."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from .errors import BadRequest, LifespanFailure, UnsupportedEvent
from .http import Request, Response
from .interface import detect_interface
from .sources import BUILTIN_SOURCES, Source, SourceOptions
from .sources._body import BodyCodec

__all__ = ["Adapter"]

logger = logging.getLogger("hatchway")

_INTERFACES = ("auto", "asgi", "wsgi")
_LIFESPANS = ("auto", "on", "off")
_ERRORS = ("respond", "raise")
_PLAIN_TEXT = [("content-type", "text/plain; charset=utf-8")]

Runner = Callable[[Request, Any, Any], Response]


def _plain(status: int, text: str) -> Response:
    return Response(status, list(_PLAIN_TEXT), text.encode("utf-8"))


def _request_id(context: Any) -> str:
    return str(getattr(context, "aws_request_id", None) or "-")


class Adapter:
    """A Lambda handler running ``app`` for every HTTP event source.

    ``handler = Adapter(app)`` and set ``module.handler`` as the function's
    handler. Options:

    - ``interface``: ``"auto"`` (tell ASGI from WSGI), ``"asgi"`` or ``"wsgi"``.
    - ``lifespan``: ASGI lifespan, ``"auto"`` (use it if the app supports it),
      ``"on"`` (require it) or ``"off"``. Startup runs once per execution
      environment.
    - ``base_path``: a custom domain's API mapping path (``"/v1"``) that
      becomes part of ``root_path``, matched per segment.
    - ``text_mime_types``: more media types (``"application/vnd.x"``, or
      ``"application/vnd.x.*"``-style ``"type/*"``) whose bodies go back as text.
    - ``exclude_headers``: response headers never sent back (case-insensitive).
    - ``sources``: custom event sources, tried before the built-in ones.
    - ``errors``: ``"respond"`` answers an app error with 500; ``"raise"``
      re-raises it so Lambda counts the invocation as failed.
    - ``strip_stage``: drop the API Gateway stage from the path instead of
      presenting it as ``root_path`` (what other adapters do).
    """

    def __init__(
        self,
        app: Callable[..., Any],
        *,
        interface: Literal["auto", "asgi", "wsgi"] = "auto",
        lifespan: Literal["auto", "on", "off"] = "auto",
        base_path: str | None = None,
        text_mime_types: Iterable[str] = (),
        exclude_headers: Iterable[str] = (),
        sources: Iterable[Source] = (),
        errors: Literal["respond", "raise"] = "respond",
        strip_stage: bool = False,
    ) -> None:
        _choice("interface", interface, _INTERFACES)
        _choice("lifespan", lifespan, _LIFESPANS)
        _choice("errors", errors, _ERRORS)
        kind = detect_interface(app) if interface == "auto" else interface
        if not callable(app):
            raise TypeError(f"the app must be an ASGI or WSGI callable, not {type(app).__name__}")
        if kind == "wsgi" and lifespan == "on":
            raise ValueError("lifespan='on' needs an ASGI app; this app is WSGI")
        self.app = app
        self.interface = kind
        self.errors = errors
        self.options = SourceOptions(
            base_path=_normalise_base_path(base_path),
            strip_stage=bool(strip_stage),
            body=BodyCodec(_strings("text_mime_types", text_mime_types)),
        )
        self.exclude_headers = frozenset(
            h.lower() for h in _strings("exclude_headers", exclude_headers)
        )
        custom = tuple(sources)
        for source in custom:
            if not isinstance(source, Source):
                raise TypeError(
                    f"{source!r} is not an event source: it needs a name and "
                    "matches(), parse() and render() methods"
                )
        self.sources: tuple[Source, ...] = custom + BUILTIN_SOURCES
        self.runner: Runner
        if kind == "asgi":
            from .asgi import AsgiRunner  # imported here: WSGI apps never load asyncio

            self.runner = AsgiRunner(app, lifespan)
        else:
            from .wsgi import WsgiRunner

            self.runner = WsgiRunner(app)

    def source_for(self, event: Any) -> Source:
        """The first source that recognises ``event``; ``UnsupportedEvent`` if none."""
        if isinstance(event, Mapping):
            for source in self.sources:
                if source.matches(event):
                    return source
            context = event.get("requestContext")
            if isinstance(context, Mapping) and "connectionId" in context:
                raise UnsupportedEvent(
                    event,
                    (s.name for s in self.sources),
                    "API Gateway WebSocket events are not supported: hatchway serves HTTP "
                    "requests; route WebSocket APIs to a separate handler",
                )
        raise UnsupportedEvent(event, (s.name for s in self.sources))

    def __call__(self, event: Any, context: Any = None) -> dict[str, Any]:
        source = self.source_for(event)
        options = self.options
        try:
            request = source.parse(event, options)
        except BadRequest as exc:
            logger.warning("400 Bad Request (request id %s): %s", _request_id(context), exc)
            return source.render(_plain(400, "Bad Request"), event, options)
        response = self._run(request, event, context)
        if self.exclude_headers:
            excluded = self.exclude_headers
            response.headers = [h for h in response.headers if h[0].lower() not in excluded]
        return source.render(response, event, options)

    def _run(self, request: Request, event: Any, context: Any) -> Response:
        try:
            return self.runner(request, event, context)
        except LifespanFailure:
            logger.error("lifespan startup failed (request id %s)", _request_id(context))
            raise
        except Exception:
            logger.exception(
                "500 Internal Server Error: %s %s failed (request id %s)",
                request.method,
                request.path,
                _request_id(context),
            )
            if self.errors == "raise":
                raise
            return _plain(500, "Internal Server Error")


def _choice(option: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{option} must be one of {', '.join(map(repr, allowed))}, not {value!r}")


def _strings(option: str, values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError(f"{option} takes a list of strings, not one string: [{values!r}]")
    items = tuple(values)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{option} takes strings, not {type(item).__name__}")
    return items


def _normalise_base_path(base_path: str | None) -> str:
    if base_path is None:
        return ""
    if not isinstance(base_path, str):
        raise TypeError(f"base_path must be a string like '/v1', not {type(base_path).__name__}")
    stripped = base_path.strip("/")
    if not stripped:
        return ""
    if "?" in stripped or "#" in stripped or "//" in stripped:
        raise ValueError(f"base_path must be a plain path like '/v1', not {base_path!r}")
    return "/" + stripped

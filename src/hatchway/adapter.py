"""``Adapter``: the Lambda handler that wires an event source to an app runner."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ._typing import TYPE_CHECKING
from .dispatch import Dispatch
from .interface import detect_interface
from .passthrough import make_passthrough
from .sources import BUILTIN_SOURCES, SourceOptions
from .sources._body import BodyCodec

if TYPE_CHECKING:
    from typing import Any, Literal

    from .sources.protocols import Source

__all__ = ["Adapter"]

_INTERFACES = ("auto", "asgi", "wsgi")
_LIFESPANS = ("auto", "on", "off")
_ERRORS = ("respond", "raise")


class Adapter(Dispatch):
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
    - ``passthrough``: what to do with events of no HTTP source (SQS, SNS,
      schedules, ...). A path like ``"/events"`` sends each into the app as
      ``POST /events`` with the event as its JSON body and returns the
      response body parsed as JSON (a status outside 2xx raises
      :class:`~hatchway.errors.PassthroughError`); a callable is called as
      ``callable(event, context)``. Without it such events raise
      :class:`~hatchway.UnsupportedEvent`.
    - ``streaming``: stream responses when the function runs under hatchway's
      own runtime loop (``python -m hatchway.runtime``; see docs/streaming.md).
      ``True`` streams Function URL events (``InvokeMode: RESPONSE_STREAM``);
      a list of source names (``["function-url", "apigw-rest"]``) picks the
      sources whose service is set up to stream. ASGI apps only. Called as a
      plain handler (or under awslambdaric) the Adapter answers buffered.
    - ``timeout_margin``: seconds before the invocation's deadline (from the
      context's ``get_remaining_time_in_millis``) at which a still-running
      ASGI app is cancelled and answered with 504, before Lambda kills the
      environment mid-response; ``None`` turns the guard off.
    - ``access_log``: log one line per request (method, path, status,
      milliseconds, bytes, request id) at INFO on ``hatchway.access``.
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
        passthrough: str | Callable[[Any, Any], Any] | None = None,
        streaming: bool | Iterable[str] = False,
        timeout_margin: float | None = 0.5,
        access_log: bool = False,
    ) -> None:
        _choice("interface", interface, _INTERFACES)
        _choice("lifespan", lifespan, _LIFESPANS)
        _choice("errors", errors, _ERRORS)
        kind = detect_interface(app) if interface == "auto" else interface
        if not callable(app):
            raise TypeError(f"the app must be an ASGI or WSGI callable, not {type(app).__name__}")
        if kind == "wsgi" and lifespan == "on":
            raise ValueError("lifespan='on' needs an ASGI app; this app is WSGI")
        if timeout_margin is not None and (
            not isinstance(timeout_margin, int | float)
            or isinstance(timeout_margin, bool)
            or timeout_margin < 0
        ):
            raise ValueError(f"timeout_margin must be seconds >= 0 or None, not {timeout_margin!r}")
        self.app = app
        self.interface = kind
        self.errors = errors
        self.access_log = bool(access_log)
        self.options = SourceOptions(
            base_path=_normalise_base_path(base_path),
            strip_stage=bool(strip_stage),
            body=BodyCodec(_strings("text_mime_types", text_mime_types)),
        )
        self.exclude_headers = frozenset(
            h.lower() for h in _strings("exclude_headers", exclude_headers)
        )
        custom = tuple(sources)
        if custom:
            from .sources.protocols import Source  # needs typing: only for custom sources
        for source in custom:
            if not isinstance(source, Source):
                raise TypeError(
                    f"{source!r} is not an event source: it needs a name and "
                    "matches(), parse() and render() methods"
                )
        self.sources: tuple[Source, ...] = custom + BUILTIN_SOURCES
        # Only built-in sources are known to be mutually exclusive; custom ones
        # are tried in order, before them, every time.
        self._remember_source = not custom
        self._last_source: Source | None = None
        #: Each source's response size limit, when it has its own (per event).
        self._limits: dict[Source, Callable[[Any], int]] = {
            source: limit
            for source in self.sources
            if (limit := getattr(source, "response_limit", None)) is not None
        }
        self.passthrough = make_passthrough(passthrough, self.options.base_path)
        #: Names of the sources whose events get streamed responses (see docs/streaming.md).
        self.streaming: frozenset[str] = frozenset()
        if streaming is not False:
            # Only for the option: the streaming module stays off the import path.
            from .streaming import streaming_sources

            self.streaming = streaming_sources(streaming, kind)
        if kind == "asgi":
            from .asgi import AsgiRunner  # imported here: WSGI apps never load asyncio

            self.runner = AsgiRunner(
                app,
                lifespan,
                timeout_margin=timeout_margin,
                raise_late_errors=errors == "raise",
            )
        else:
            from .wsgi import WsgiRunner

            self.runner = WsgiRunner(app)


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

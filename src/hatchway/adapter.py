"""``Adapter``: the Lambda handler that wires an event source to an app runner."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping

# Imported for real, not only for type checkers: typing.get_type_hints() on the
# public signatures (documentation tools, dependency injection) must resolve them.
from typing import TYPE_CHECKING, Any, Literal

from .batch import passthrough_for
from .compression import Compressor, compress_option, rescue_oversized
from .doctor import make_doctor
from .errors import BadRequest, DeadlineExceeded, LifespanFailure, UnsupportedEvent
from .http import Request, Response, plain_response
from .interface import detect_interface
from .lifecycle import (
    Startup,
    Warmup,
    WarmupRequest,
    parse_warmups,
    register_snapstart_hooks,
    resolve_startup,
    run_warmups,
    snap_start,
)
from .limits import SYNC_INVOKE_LIMIT, counted_size
from .log import LazyLogger, RequestFields, invocation, request_id_of
from .passthrough import is_websocket_event, refusal
from .sources import BUILTIN_SOURCES, SourceOptions
from .sources.base import Source
from .sources.body import BodyCodec

if TYPE_CHECKING:
    #: What runs the app: an ASGI or WSGI runner, called per request.
    Runner = Callable[[Request, Any, Any], Response]

__all__ = ["Adapter"]

_INTERFACES = ("auto", "asgi", "wsgi")
_LIFESPANS = ("auto", "on", "off")
_ERRORS = ("respond", "raise")

logger = LazyLogger("hatchway")
#: One line per request at INFO, only with ``Adapter(access_log=True)``.
access_logger = LazyLogger("hatchway.access")


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
      ``"type/*"`` for a whole type) whose bodies go back as text.
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
      :class:`~hatchway.errors.PassthroughError`). HTTP requests for that
      path get 404 before the app runs, and only real events carry
      ``"hatchway.passthrough": True`` in the scope/environ. A callable is called as
      ``callable(event, context)``. Without it such events raise
      :class:`~hatchway.UnsupportedEvent`.
      A mapping of event sources to paths (``{"aws:sqs": "/sqs"}``) posts
      SQS, Kinesis and DynamoDB-stream batches record by record and returns
      ``batchItemFailures`` (see :mod:`hatchway.batch`).
    - ``streaming``: stream responses when the function runs under hatchway's
      own runtime loop (``python -m hatchway.runtime``; see docs/streaming.md).
      ``True`` streams Function URL events (``InvokeMode: RESPONSE_STREAM``);
      a list of source names (``["function-url", "apigw-rest"]``) picks the
      sources whose service is set up to stream. ASGI apps only. Called as a
      plain handler (or under awslambdaric) the Adapter answers buffered.
    - ``timeout_margin``: seconds before the invocation's deadline (from the
      context's ``get_remaining_time_in_millis``) at which a still-running
      ASGI app is cancelled and answered with 504, before Lambda kills the
      environment mid-response. Where that cannot be done (a WSGI app, an
      ASGI app blocking its event loop), the stack of the thread running the
      app is logged at ERROR instead. ``None`` turns the guard off.
    - ``access_log``: log one line per request (method, path, status,
      milliseconds, bytes, request id) at INFO on ``hatchway.access``.
    - ``compress``: gzip textual responses larger than 1 KB (``True``) or
      than a given number of bytes, for clients that accept gzip (see
      :mod:`hatchway.compression`). Off by default; a response over its
      source's limit is compressed when that makes it fit either way.
    - ``doctor``: log a WARNING, once per environment, for each set-up that
      fails silently (codes ``HW001``... in docs/errors-and-limits.md);
      ``False`` silences them.
    - ``startup``: when the ASGI lifespan starts. ``"init"``: while the
      Adapter is built, in Lambda's INIT phase (a failure raises, failing
      INIT); ``"first-request"``: on the first request, bounded by its
      deadline; ``"auto"``: ``"init"`` in a Lambda environment (its
      runtime's variables are set), ``"first-request"`` elsewhere (tests).
    - ``warmup``: requests run through the app in INIT, after the startup,
      so the first real request finds the app warm: paths (``"/health"``,
      GET) or mappings ``{"method", "path", "headers", "body"}``. Their scope
      or environ has ``"hatchway.warmup": True``; one that fails or answers
      >= 500 is logged as a warning. See docs/lifecycle.md, also for SnapStart.
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
        passthrough: str | Callable[[Any, Any], Any] | Mapping[str, str] | None = None,
        streaming: bool | Iterable[str] = False,
        timeout_margin: float | None = 0.5,
        access_log: bool = False,
        compress: bool | int = False,
        doctor: bool = True,
        startup: Startup = "auto",
        warmup: Iterable[str | Mapping[str, Any]] = (),
    ) -> None:
        if isinstance(app, Adapter):
            raise TypeError(
                "the app is already an Adapter (a Lambda handler): wrap the app itself "
                "once, handler = Adapter(app)"
            )
        _choice("interface", interface, _INTERFACES)
        _choice("lifespan", lifespan, _LIFESPANS)
        _choice("errors", errors, _ERRORS)
        #: When the lifespan starts: "init" (while built) or "first-request".
        self.startup = resolve_startup(startup)
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
        self.access_log = _flag("access_log", access_log)
        self.options = SourceOptions(
            base_path=_normalise_base_path(base_path),
            strip_stage=_flag("strip_stage", strip_stage),
            codec=BodyCodec(_media_types("text_mime_types", text_mime_types)),
        )
        self.exclude_headers = frozenset(
            _header_name("exclude_headers", h).lower()
            for h in _strings("exclude_headers", exclude_headers)
        )
        custom = tuple(sources)
        for source in custom:
            if not isinstance(source, Source):
                raise TypeError(
                    f"{source!r} is not an event source: it needs a name and "
                    "matches(), parse() and render() methods"
                )
        self.sources: tuple[Source, ...] = custom + BUILTIN_SOURCES
        self.passthrough = passthrough_for(passthrough, self.options.base_path)
        minimum = compress_option(compress)  # hatchway.compression
        self.compressor = None if minimum is None else Compressor(minimum, self.options.codec)
        #: Names of the sources whose events get streamed responses (see docs/streaming.md).
        self.streaming: frozenset[str] = frozenset()
        if streaming is not False:
            can_stream = (s.name for s in self.sources if hasattr(s, "render_prelude"))
            self.streaming = _streaming_names(streaming, kind, can_stream)
        self.doctor = make_doctor(doctor, self.options, self.streaming)  # hatchway.doctor
        self.runner: Runner
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

            self.runner = WsgiRunner(app, timeout_margin=timeout_margin)
        self.warmups = parse_warmups(warmup)
        if self.startup == "init":
            self._initialise()
        if snap_start():
            start = getattr(self.runner, "start_lifespan", None)
            register_snapstart_hooks(
                getattr(self.runner, "stop_lifespan", None),
                start if self.startup == "init" else None,
            )

    def _initialise(self) -> None:
        """INIT's share of the work: the lifespan startup (its failure raises:
        Lambda then reports an init error and runs INIT again), then the warm-ups."""
        start = getattr(self.runner, "start_lifespan", None)
        if start is not None:
            started = time.perf_counter()
            start()
            logger.debug(
                "lifespan startup in INIT: %.1f ms", (time.perf_counter() - started) * 1000
            )
        run_warmups(self.warmups, self._warm_up)

    def _warm_up(self, warmup: Warmup, event: dict[str, Any], context: Any) -> Response:
        """One warm-up, through the parsing, runner and rendering of real requests."""
        source = self.source_for(event)
        options = self.options
        request = WarmupRequest.of(source.parse(event, options))
        response = self.runner(request, event, context)
        source.render(response, event, options)
        return response

    def source_for(self, event: Any) -> Source:
        """The first source that recognises ``event``; ``UnsupportedEvent`` if none."""
        if isinstance(event, Mapping):
            for source in self.sources:
                if source.matches(event):
                    return source
            if is_websocket_event(event):
                raise UnsupportedEvent(
                    event,
                    (s.name for s in self.sources),
                    "API Gateway WebSocket events are not supported: hatchway serves HTTP "
                    "requests; route WebSocket APIs to a separate handler",
                )
        raise UnsupportedEvent(event, (s.name for s in self.sources))

    def __call__(self, event: Any, context: Any = None) -> Any:
        # Log lines written deep inside (a source's) name the invocation through this.
        token = invocation.set(RequestFields(None, context))
        try:
            return self._handle(event, context)
        finally:
            invocation.reset(token)

    def _handle(self, event: Any, context: Any) -> Any:
        try:
            source = self.source_for(event)
        except UnsupportedEvent:
            if self.passthrough is None or is_websocket_event(event):
                raise
            return self.passthrough(event, context, self.run_app)
        request = self.request_for(source, event, context)
        if isinstance(request, Response):
            return source.render(request, event, self.options)
        if self.doctor is not None:
            self.doctor.check_request(source, event, request, context)
        started = time.perf_counter() if self.access_log else 0.0
        response = self.run_app(request, event, context)
        response.headers = self.outgoing_headers(response.headers)
        if self.compressor is not None:
            response = self.compressor(response, request, source, event)
        limit = self.response_limit(source, event)
        result, response, size = self.render(source, response, request, event, context, limit)
        if self.doctor is not None:
            self.doctor.check_response(source, event, request, result, limit, size, context)
        self.log_access(request, response.status, len(response.body), started, context)
        return result

    # The steps of an invocation, shared by this buffered path and the streamed
    # one (hatchway.streaming.StreamingHandler).

    def request_for(self, source: Source, event: Any, context: Any) -> Request | Response:
        """The request ``source`` makes of ``event``, or hatchway's own early
        answer, logged: 400 for a request the app cannot be given, 404 for an
        HTTP request aimed at the pass-through route."""
        try:
            request = source.parse(event, self.options)
        except BadRequest as exc:
            logger.warning("400 Bad Request (request id %s): %s", request_id_of(context), exc)
            return plain_response(400, "Bad Request")
        fields = invocation.get()
        if fields is not None:  # log lines from here on name the request
            fields.request = request
        refused = refusal(self.passthrough, request, context)
        return request if refused is None else refused

    def run_app(self, request: Request, event: Any, context: Any) -> Response:
        """The app's response to ``request``; a failure answered by :meth:`error_response`."""
        try:
            return self.runner(request, event, context)
        except BaseException as exc:
            # BaseException too: a CancelledError, SystemExit, KeyboardInterrupt or
            # GeneratorExit from the app would otherwise end the runtime process.
            return self.error_response(exc, request, context)

    def outgoing_headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The response headers without those named in ``exclude_headers``."""
        excluded = self.exclude_headers
        if not excluded:
            return headers
        return [h for h in headers if h[0].lower() not in excluded]

    def response_limit(self, source: Source, event: Any) -> int:
        """The largest result, in bytes, the service in front of ``source`` takes."""
        # A source with a limit of its own says it per event (Lambda@Edge's differ by trigger).
        limit_of = getattr(source, "response_limit", None)
        return limit_of(event) if limit_of is not None else SYNC_INVOKE_LIMIT

    def render(
        self,
        source: Source,
        response: Response,
        request: Request,
        event: Any,
        context: Any,
        limit: int,
    ) -> tuple[dict[str, Any], Response, int | None]:
        """The result dict for ``response``, the response it renders, and its
        exact size in bytes if it was counted (see :func:`~hatchway.limits.counted_size`).
        A response is sent gzip-compressed when only that brings it within
        ``limit`` bytes (and the client takes gzip), else it is a logged 500."""
        # Every source renders a body at least as large as its bytes: one over
        # the limit is refused before rendering costs memory in proportion to it.
        size = len(response.body)
        if size <= limit:
            result = source.render(response, event, self.options)
            rendered_size = counted_size(result, limit)
            if rendered_size is None or rendered_size <= limit:
                return result, response, rendered_size  # the count serves the doctor too
            size, measured = rendered_size, str(rendered_size)
        else:
            measured = f"at least {size}"
        # gzip may make it fit, for a client that accepts it
        fits_now, response, rescued = rescue_oversized(
            source, event, self.options, request, response, limit, size, context
        )
        if fits_now and rescued is not None:
            return rescued, response, None
        logger.error(
            "500 Internal Server Error: the %s response to %s %s is %s bytes, over the "
            "%d-byte limit (request id %s)",
            source.name,
            request.method,
            request.path,
            measured,
            limit,
            request_id_of(context),
        )
        response = plain_response(500, "Internal Server Error: response too large")
        return source.render(response, event, self.options), response, None

    def log_access(
        self, request: Request, status: int, size: int, started: float, context: Any
    ) -> None:
        """The access log line for an answered request, with ``access_log=True``."""
        if self.access_log:
            access_logger.info(
                "%s %s %d %.1fms %d bytes (request id %s)",
                request.method,
                request.path,
                status,
                (time.perf_counter() - started) * 1000,
                size,
                request_id_of(context),
            )

    def error_response(self, exc: BaseException, request: Request, context: Any) -> Response:
        """The answer to an app that failed with ``exc``, logged with the request
        id; ``exc`` is raised again where the invocation itself must fail (a failed
        lifespan startup; any app error with ``errors="raise"``, an exception that
        is not an ``Exception`` then as a ``RuntimeError`` so the runtime survives)."""
        request_id = request_id_of(context)
        if isinstance(exc, LifespanFailure):
            logger.error(
                "lifespan startup failed: %s %s not served (request id %s)",
                request.method,
                request.path,
                request_id,
            )
            raise exc
        if isinstance(exc, DeadlineExceeded):
            logger.error(
                "504 Gateway Timeout: %s %s (request id %s): %s%s",
                request.method,
                request.path,
                request_id,
                exc,
                f". Where the app was awaiting (most recent call last):\n{exc.stack}"
                if exc.stack
                else "",
            )
            response = plain_response(504, "Gateway Timeout")
        else:
            logger.error(
                "500 Internal Server Error: %s %s failed (request id %s)",
                request.method,
                request.path,
                request_id,
                exc_info=exc,
            )
            response = plain_response(500, "Internal Server Error")
        if self.errors == "raise":
            if not isinstance(exc, Exception):
                raise RuntimeError(f"the app raised {type(exc).__name__}: {exc}") from exc
            raise exc
        return response


#: ``streaming=True``: the sources that stream when nothing else is said.
_DEFAULT_STREAMING = frozenset({"function-url"})


def _streaming_names(
    streaming: bool | Iterable[str], interface: str, can_stream: Iterable[str] = ()
) -> frozenset[str]:
    """The ``Adapter(streaming=...)`` option as a set of source names, each one
    of ``can_stream`` (the sources with a streamed response format)."""
    if streaming is False or streaming is None:
        return frozenset()
    if streaming is True:
        names = _DEFAULT_STREAMING
    elif isinstance(streaming, str) or not isinstance(streaming, Iterable):
        raise TypeError(
            f"streaming takes True or a list of source names such as ['function-url'], "
            f"not {streaming!r}"
        )
    else:
        names = frozenset(streaming)
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"streaming takes source names, not {type(name).__name__}")
        allowed = sorted(set(can_stream))
        for name in sorted(names):
            if name not in allowed:
                raise ValueError(
                    f"streaming names {name!r}, which cannot stream; choose from "
                    f"{', '.join(map(repr, allowed))}"
                )
    if names and interface != "asgi":
        raise ValueError("streaming needs an ASGI app; this app is WSGI")
    return names


def _choice(option: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{option} must be one of {', '.join(map(repr, allowed))}, not {value!r}")


def _flag(option: str, value: object) -> bool:
    # A string such as "no" is truthy: take booleans only.
    if type(value) is not bool:
        raise TypeError(f"{option} must be True or False, not {value!r}")
    return value


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _header_name(option: str, name: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise ValueError(
            f"{option} takes header names such as 'X-Powered-By', not a header name: {name!r}"
        )
    return name


def _media_types(option: str, values: Iterable[str]) -> tuple[str, ...]:
    items = _strings(option, values)
    for item in items:
        kind, slash, subtype = item.strip().partition("/")
        if not (
            slash
            and kind != "*"
            and _TOKEN.fullmatch(kind)
            and (subtype == "*" or (_TOKEN.fullmatch(subtype) and "*" not in subtype))
        ):
            raise ValueError(
                f"{option} takes media types like 'application/vnd.api+json' or "
                f"'application/*', not {item!r}"
            )
    return items


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

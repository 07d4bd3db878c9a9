"""The runtime loop: initialise once, then fetch, run and answer one event at a time.

Per invocation, as the Python managed runtime does: stamp the logs with the
request id, set ``_X_AMZN_TRACE_ID`` from ``Lambda-Runtime-Trace-Id``, build
the context, call the handler, post the JSON result (or the error document
and an ``[ERROR]`` log). The one difference: when the handler is an
``Adapter(app, streaming=...)`` and the event comes from a source it streams,
the response is posted in streaming mode as the app produces it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from os import environ

from .._typing import TYPE_CHECKING
from .api import NextInvocation, RuntimeApi, RuntimeApiError
from .context import ContextError, RuntimeContext, function_settings
from .faults import Fault, Marshaller, error_document, error_report, load_handler, unmarshal
from .logs import LogSink, current, log_error, setup_logging
from .snapstart import is_snap_start, snap_start

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ..streaming import StreamingHandler

    Handler = Callable[[Any, Any], Any]

__all__ = ["RuntimeLoop", "run"]

logger = logging.getLogger("hatchway.runtime")

_TRACE_VARIABLE = "_X_AMZN_TRACE_ID"


class RuntimeLoop:
    """Serves events from the Runtime API with one loaded handler."""

    def __init__(self, api: RuntimeApi, handler: Handler, sink: LogSink) -> None:
        self.api = api
        self.handler = handler
        self.sink = sink
        self.function = function_settings()
        self.marshal = Marshaller()
        self.streamer: StreamingHandler | None = None
        # Only an Adapter's module is loaded when the handler is one.
        adapter = sys.modules.get("hatchway.adapter")
        if adapter is not None and isinstance(handler, adapter.Adapter) and handler.streaming:
            from ..streaming import StreamingHandler

            self.streamer = StreamingHandler(handler)

    def serve_forever(self) -> None:
        """Serve until the Runtime API goes away (Lambda ends the process first)."""
        next_invocation, serve_one = self.api.next, self.serve_one
        while True:
            serve_one(next_invocation())

    def serve_one(self, invocation: NextInvocation) -> None:
        request_id = invocation.request_id
        current.request_id = request_id
        current.tenant_id = invocation.tenant_id
        trace_id = invocation.trace_id
        if trace_id is not None:
            environ[_TRACE_VARIABLE] = trace_id
        elif _TRACE_VARIABLE in environ:
            del environ[_TRACE_VARIABLE]
        try:
            try:
                context = RuntimeContext(invocation, self.function)
            except ContextError as exc:
                raise Fault("Runtime.LambdaContextUnmarshalError", str(exc)) from exc
            event = unmarshal(invocation.body, invocation.content_type)
            if self.streamer is not None:
                source = self.streamer.source_for(event)
                if source is not None:
                    self._stream(request_id, source, event, context)
                    return
            body, content_type = self.marshal(self.handler(event, context))
        except Exception as exc:
            self._fail(request_id, exc)
            return
        try:
            self.api.post_response(request_id, body, content_type)
        except (RuntimeApiError, OSError) as exc:
            _refused(exc)

    def _stream(self, request_id: str, source: Any, event: Any, context: RuntimeContext) -> None:
        from ..streaming import PRELUDE_CONTENT_TYPE

        assert self.streamer is not None
        stream = self.api.open_stream(request_id, PRELUDE_CONTENT_TYPE)
        try:
            self.streamer(source, event, context, stream)
        except Exception as exc:
            if not stream.opened:
                raise  # nothing sent: an ordinary invocation error
            document, _ = error_report(exc, request_id)
            log_error(self.sink, document)
            body = self._error_body(document)
            self._post(lambda: stream.close(str(document["errorType"]), body))
            return
        self._post(stream.close)

    def _error_body(self, document: dict[str, Any]) -> bytes:
        return _error_json(self.marshal, document)

    def _fail(self, request_id: str, exc: Exception) -> None:
        document, xray = error_report(exc, request_id)
        log_error(self.sink, document)
        body = self._error_body(document)
        try:
            cause = self.marshal.encode(xray)
        except (TypeError, ValueError, OverflowError):
            cause = ""
        kind = str(document["errorType"])
        self._post(lambda: self.api.post_error(request_id, kind, body, cause))

    def _post(self, post: Callable[[], None]) -> None:
        try:
            post()
        except (RuntimeApiError, OSError) as exc:
            _refused(exc)


def _error_json(marshal: Marshaller, document: dict[str, Any]) -> bytes:
    """The error document as awslambdaric encodes it (whatever its text holds)."""
    try:
        return marshal.encode(document).encode("utf-8")
    except (TypeError, ValueError, OverflowError, UnicodeError):  # lone surrogates, say
        return json.dumps(document, default=str).encode("utf-8", "backslashreplace")


def _refused(exc: Exception) -> None:
    # Lambda refused the result (too large, say) or the stream broke: the
    # invocation has failed already; serve the next one.
    logger.error("the Runtime API did not take the result: %s", exc)


def run(target: str, address: str) -> None:
    """Initialise with ``target`` and serve forever; on an init error, report it and exit 1."""
    sink = LogSink.from_environment()
    setup_logging(sink)
    api = RuntimeApi(address)
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if task_root and task_root not in sys.path:
        sys.path.insert(0, task_root)
    try:
        handler = load_handler(target)
        loop = RuntimeLoop(api, handler, sink)
    except Exception as exc:
        document = error_document(exc)
        logger.warning("LAMBDA_WARNING: Unhandled exception during init: %s", document["errorType"])
        log_error(sink, document)
        try:
            body = _error_json(Marshaller(), document)
            api.post_init_error(str(document["errorType"]), body)
        finally:
            sys.exit(1)
    if is_snap_start():
        snap_start(api, sink, loop.serve_forever)
    loop.serve_forever()

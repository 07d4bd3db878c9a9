"""An httpx transport that sends each request through a Lambda handler, the way
a gateway would: event built, handler called, response dict read back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

try:
    import anyio.to_thread
    import httpx
except ModuleNotFoundError as missing:  # an optional dependency: say which extra brings it
    raise ModuleNotFoundError(
        f"hatchway.testing.LambdaTransport needs httpx ({missing.name} is not installed); "
        "install it with: pip install 'hatchway[testing]'",
        name=missing.name,
    ) from missing

from ..adapter import Adapter
from ..http import Response
from ..sources.base import ClientRequest, Gateway, GatewayError, GatewaySettings, MalformedResponse
from ..streaming import StreamingHandler, read_streamed
from .context import LambdaContext
from .events import DEFAULT_CLIENT, gateway_for, make_settings

__all__ = ["LambdaTransport"]

Handler = Callable[[Any, Any], Any]


class _Collected(bytearray):
    """A byte sink keeping everything written to it."""

    def write(self, data: bytes) -> None:
        self.extend(data)


class LambdaTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Serve httpx requests with a Lambda handler behind ``source``.

    ``httpx.Client(transport=LambdaTransport(handler), base_url="https://api.example.com")``
    tests a handler as a web app: each request becomes the event that source
    sends (see :func:`~hatchway.testing.build_event`), the handler gets it with
    a fresh :class:`LambdaContext` (``context_factory`` makes your own), and
    its result is read back as that gateway would. The event and the result
    go through JSON, as in Lambda, so a result Lambda could not serialise fails
    here too.

    An ``Adapter(app, streaming=...)`` answers the sources it streams in the
    stream format, as under hatchway's runtime loop; the transport reads the
    prelude and body back (the body arrives whole: the handler runs to the
    end before the response is returned).

    Exceptions from the handler propagate. A result the gateway rejects raises
    :class:`~hatchway.sources.base.MalformedResponse` unless
    ``raise_malformed=False``, which answers the gateway's 502 instead.
    Requests the gateway refuses on its own (outside the stage or base path)
    get the gateway's answer. Works with ``httpx.Client`` and
    ``httpx.AsyncClient`` (the handler then runs in a worker thread).
    """

    def __init__(
        self,
        handler: Handler,
        source: str | Gateway = "apigw-http",
        *,
        settings: GatewaySettings | None = None,
        client: tuple[str, int] = DEFAULT_CLIENT,
        context_factory: Callable[[], Any] | None = None,
        timeout: float = 30.0,
        raise_malformed: bool = True,
        **options: Any,
    ) -> None:
        self.handler = handler
        self.gateway = gateway_for(source)
        self.settings = make_settings(settings, options)
        self.client = client
        self.timeout = timeout
        self.context_factory = context_factory
        self.raise_malformed = raise_malformed
        #: Streams like ``python -m hatchway.runtime`` when the handler is an
        #: ``Adapter(app, streaming=...)``: the result is the streamed bytes.
        self.streamer = (
            StreamingHandler(handler)
            if isinstance(handler, Adapter) and handler.streaming
            else None
        )
        #: The last event sent and result received, for assertions.
        self.last_event: dict[str, Any] | None = None
        self.last_result: Any = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._respond(self._invoke(self._client_request(request, request.read())))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        wire = self._client_request(request, await request.aread())
        response = await anyio.to_thread.run_sync(self._invoke, wire)
        return self._respond(response)

    def _client_request(self, request: httpx.Request, body: bytes) -> ClientRequest:
        headers = [
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw
        ]
        return ClientRequest(
            request.method,
            request.url.raw_path.decode("ascii"),
            headers,
            body,
            client=self.client,
            scheme=request.url.scheme,
        )

    def _invoke(self, request: ClientRequest) -> Response:
        try:
            event = self.gateway.build_event(request, self.settings)
        except GatewayError as refusal:
            return refusal.response()
        event = json.loads(json.dumps(event))
        self.last_event = event
        context = self.context_factory() if self.context_factory else self._context(event)
        if self.streamer is not None:
            source = self.streamer.source_for(event)
            if source is not None:  # as hatchway's runtime loop would: streamed, then read
                streamed = _Collected()
                self.streamer(source, event, context, streamed)
                self.last_result = bytes(streamed)
                return read_streamed(self.last_result, self.gateway.name)
        result = self.handler(event, context)
        try:
            result = json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            error = MalformedResponse(
                502, f"the handler returned a result Lambda cannot serialise as JSON: {exc}"
            )
            if self.raise_malformed:
                raise error from exc
            return error.response()
        self.last_result = result
        try:
            return self.gateway.read_response(result, request, self.settings)
        except MalformedResponse as error:
            if self.raise_malformed:
                raise
            return error.response()

    def _context(self, event: dict[str, Any]) -> LambdaContext:
        request_id = None
        context = event.get("requestContext")
        if isinstance(context, dict) and isinstance(context.get("requestId"), str):
            request_id = context["requestId"]
        return LambdaContext(aws_request_id=request_id, timeout=self.timeout)

    @staticmethod
    def _respond(response: Response) -> httpx.Response:
        return httpx.Response(
            response.status,
            headers=response.headers,
            stream=httpx.ByteStream(response.body),
        )

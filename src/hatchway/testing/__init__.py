"""Test Lambda handlers over HTTP: the events a real gateway would send.

- :func:`build_event` turns ``method url`` (headers, body) into the event a
  source sends; :func:`read_response` turns a handler's result into the HTTP
  response that source delivers. Both use the sources' own gateway direction,
  the code the local gateway runs too.
- :class:`LambdaTransport` (needs ``hatchway[testing]``, i.e. httpx) lets an
  ``httpx.Client`` or ``httpx.AsyncClient`` call a handler like a web app.
- :class:`LambdaContext` stands in for the runtime's context object.
- ``pytest_plugins = ["hatchway.testing.pytest_plugin"]`` adds fixtures.

Importing this package needs nothing beyond hatchway itself; httpx is loaded
only when the transport is used. The handler path never imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..sources.base import ClientRequest, GatewayError, GatewaySettings, MalformedResponse
from .context import LambdaContext
from .events import build_event, client_request, gateway_names, read_response

if TYPE_CHECKING:
    from .transport import LambdaTransport

__all__ = [
    "ClientRequest",
    "GatewayError",
    "GatewaySettings",
    "LambdaContext",
    "LambdaTransport",
    "MalformedResponse",
    "build_event",
    "client_request",
    "gateway_names",
    "read_response",
]


def __getattr__(name: str) -> Any:
    if name == "LambdaTransport":  # imported on use: httpx is an optional dependency
        from .transport import LambdaTransport

        return LambdaTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

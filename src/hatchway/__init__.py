"""hatchway: run any ASGI or WSGI web app unchanged inside AWS Lambda.

from hatchway import Adapter
handler = Adapter(app)
"""

from __future__ import annotations

from ._typing import TYPE_CHECKING
from .adapter import Adapter
from .errors import (
    BadRequest,
    HatchwayError,
    InvalidEvent,
    LifespanFailure,
    PassthroughError,
    ProtocolError,
    UnsupportedEvent,
)
from .http import Request, Response
from .sources.base import Event, SourceOptions

if TYPE_CHECKING:
    from .sources.protocols import Source

__all__ = [
    "Adapter",
    "BadRequest",
    "Event",
    "HatchwayError",
    "InvalidEvent",
    "LifespanFailure",
    "PassthroughError",
    "ProtocolError",
    "Request",
    "Response",
    "Source",
    "SourceOptions",
    "UnsupportedEvent",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # Source is a typing.Protocol: it loads when first asked for, keeping typing
    # off the import path (see hatchway._typing).
    if name == "Source":
        from .sources.protocols import Source

        return Source
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

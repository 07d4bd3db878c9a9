"""hatchway: run any ASGI or WSGI web app unchanged inside AWS Lambda.

from hatchway import Adapter
handler = Adapter(app)
"""

from __future__ import annotations

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
from .sources.base import Event, Source, SourceOptions

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

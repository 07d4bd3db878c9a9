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
    ProtocolError,
    UnsupportedEvent,
)
from .http import Request, Response

__all__ = [
    "Adapter",
    "BadRequest",
    "HatchwayError",
    "InvalidEvent",
    "LifespanFailure",
    "ProtocolError",
    "Request",
    "Response",
    "UnsupportedEvent",
]

__version__ = "0.1.0"

"""hatchway: run any ASGI or WSGI web app unchanged inside AWS Lambda.

from hatchway import Adapter
handler = Adapter(app)
"""

from __future__ import annotations

from ._typing import TYPE_CHECKING

if TYPE_CHECKING:
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


#: Where each public name lives. They load when first asked for, so that
#: ``python -m hatchway.runtime`` serving a plain function never imports the
#: Adapter, its event sources or ``typing``.
_HOMES = {
    "Adapter": ".adapter",
    "BadRequest": ".errors",
    "HatchwayError": ".errors",
    "InvalidEvent": ".errors",
    "LifespanFailure": ".errors",
    "PassthroughError": ".errors",
    "ProtocolError": ".errors",
    "UnsupportedEvent": ".errors",
    "Request": ".http",
    "Response": ".http",
    "Event": ".sources.base",
    "SourceOptions": ".sources.base",
    "Source": ".sources.base",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])

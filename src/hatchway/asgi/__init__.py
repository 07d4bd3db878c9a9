"""The ASGI runner: scope, receive/send, lifespan and the private event loop."""

from __future__ import annotations

from .lifespan import Lifespan
from .loop import LoopRunner, process_loop
from .runner import AsgiRunner

__all__ = ["AsgiRunner", "Lifespan", "LoopRunner", "process_loop"]

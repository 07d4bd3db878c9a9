"""A WSGI app behind ``Adapter(access_log=True)``; with ``ACCESS_LOG_INFO=1``
the ``hatchway.access`` logger is set to INFO, as docs/local-development.md says."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from hatchway import Adapter


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


if os.environ.get("ACCESS_LOG_INFO") == "1":
    logging.getLogger("hatchway.access").setLevel(logging.INFO)
handler = Adapter(app, access_log=True)

"""The handlers the end-to-end benchmark runs under a runtime client.

A runtime process loads one of them by name (``benchmarks.lambda_handlers.NAME``,
Lambda's ``module.attr`` form). Each is built on first access, so a process
imports only the adapter and the framework its handler uses.
"""

from __future__ import annotations

TYPE_CHECKING = False  # no typing import in the runtime process: it would count as start-up
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["HANDLERS", "raw"]

_GREETING = {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "Hello, world!"}


def raw(event: Any, context: Any) -> Any:
    """No adapter, no app: the floor of every invocation."""
    return _GREETING


def _hatchway(app: Callable[[], Any], **options: Any) -> Callable[[], Any]:
    def build() -> Any:
        from hatchway import Adapter

        return Adapter(app(), **options)

    return build


def _mangum(app: Callable[[], Any]) -> Callable[[], Any]:
    def build() -> Any:
        from mangum import Mangum

        return Mangum(app(), lifespan="off")

    return build


def _apig_wsgi(app: Callable[[], Any]) -> Callable[[], Any]:
    def build() -> Any:
        from apig_wsgi import make_lambda_handler

        return make_lambda_handler(app())

    return build


def _minimal_asgi() -> Any:
    from .apps import minimal_asgi

    return minimal_asgi


def _minimal_wsgi() -> Any:
    from .apps import minimal_wsgi

    return minimal_wsgi


def _fastapi() -> Any:
    from .frameworks import fastapi_app

    return fastapi_app()


def _flask() -> Any:
    from .frameworks import flask_app

    return flask_app()


def _text(size: int) -> Callable[[], Any]:
    def build() -> Any:
        from .apps import text_asgi

        return text_asgi(size)

    return build


#: Handler factories by the name a runtime process is given.
HANDLERS: dict[str, Callable[[], Any]] = {
    "hatchway_asgi": _hatchway(_minimal_asgi),
    "mangum_asgi": _mangum(_minimal_asgi),
    "hatchway_wsgi": _hatchway(_minimal_wsgi),
    "apig_wsgi_wsgi": _apig_wsgi(_minimal_wsgi),
    "hatchway_fastapi": _hatchway(_fastapi),
    "mangum_fastapi": _mangum(_fastapi),
    "hatchway_flask": _hatchway(_flask),
    "apig_wsgi_flask": _apig_wsgi(_flask),
    "hatchway_text_1mb": _hatchway(_text(1_000_000)),
    "mangum_text_1mb": _mangum(_text(1_000_000)),
    "hatchway_text_4mb": _hatchway(_text(4_000_000)),
    "mangum_text_4mb": _mangum(_text(4_000_000)),
    "hatchway_streaming": _hatchway(_minimal_asgi, streaming=True),
    # What hatchway's diagnostics cost: no doctor, no deadline guard.
    "hatchway_asgi_lean": _hatchway(_minimal_asgi, doctor=False, timeout_margin=None),
    "hatchway_wsgi_lean": _hatchway(_minimal_wsgi, doctor=False, timeout_margin=None),
}


def __getattr__(name: str) -> Any:
    try:
        factory = HANDLERS[name]
    except KeyError:
        raise AttributeError(name) from None
    handler = globals()[name] = factory()
    return handler

"""The frameworks of the matrix: where each contract app lives and what to expect of it."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from .contract import StartupCounter


class Framework:
    """One app of the matrix: ``module.attribute`` in this package, needing ``requires``."""

    def __init__(
        self,
        name: str,
        module: str,
        attribute: str,
        *,
        requires: str,
        interface: str,
        counter: str = "startups",
        quick: bool = False,
    ) -> None:
        self.name = name
        self.module = module
        self.attribute = attribute
        self.requires = requires
        #: What ``Adapter(app)`` must detect the app as.
        self.interface = interface
        #: The module's StartupCounter for this app.
        self.counter = counter
        #: In the quick default set; the others carry the ``full_matrix`` marker.
        self.quick = quick

    def load(self) -> tuple[Any, StartupCounter]:
        """The app object and its startup counter; skips if the framework is not installed."""
        try:
            module = importlib.import_module(f".{self.module}", __package__)
        except ModuleNotFoundError as exc:
            top = (exc.name or "").partition(".")[0]
            if top in (self.requires, "multipart", "python_multipart"):
                pytest.skip(
                    f"{self.requires} is not installed (pip install 'hatchway[frameworks]')"
                )
            raise
        return getattr(module, self.attribute), getattr(module, self.counter)

    def param(self, *values: Any, id: str, marks: tuple[Any, ...] = ()) -> Any:
        """A pytest row for this framework; ``full_matrix`` unless in the quick set."""
        if not self.quick:
            marks = (*marks, pytest.mark.full_matrix)
        return pytest.param(self, *values, id=id, marks=marks)


FRAMEWORKS = [
    Framework("fastapi", "app_fastapi", "app", requires="fastapi", interface="asgi", quick=True),
    Framework("starlette", "app_starlette", "app", requires="starlette", interface="asgi"),
    Framework("litestar", "app_litestar", "app", requires="litestar", interface="asgi"),
    Framework("quart", "app_quart", "app", requires="quart", interface="asgi"),
    Framework(
        "django-asgi", "app_django", "asgi_app", requires="django", interface="asgi", quick=True
    ),
    Framework(
        "django-wsgi", "app_django", "wsgi_app", requires="django", interface="wsgi", quick=True
    ),
    Framework(
        "falcon-asgi",
        "app_falcon",
        "asgi_app",
        requires="falcon",
        interface="asgi",
        counter="asgi_startups",
    ),
    Framework(
        "falcon-wsgi",
        "app_falcon",
        "wsgi_app",
        requires="falcon",
        interface="wsgi",
        counter="wsgi_startups",
    ),
    Framework("flask", "app_flask", "app", requires="flask", interface="wsgi", quick=True),
    Framework("bottle", "app_bottle", "app", requires="bottle", interface="wsgi"),
    Framework("pyramid", "app_pyramid", "app", requires="pyramid", interface="wsgi"),
]

"""``TARGET`` of ``hatchway serve``: where the app or handler lives, and which it is.

``module:attr`` imports ``module`` with the current directory on ``sys.path``
(as uvicorn does); ``path/to/file.py:attr`` imports the file as a top-level
module with its directory on ``sys.path`` (as Lambda imports ``file.attr``
from the task root). ``attr`` may be dotted (``main:api.app``).

What the attribute is decides what is served:

- an :class:`~hatchway.Adapter` is a Lambda handler, served as is;
- a plain (non-async) function is a Lambda handler unless its parameters say
  WSGI (``environ`` first or ``start_response`` second);
- anything else callable is an ASGI or WSGI app, wrapped in ``Adapter``.

``--kind app`` or ``--kind handler`` overrides the guess. Adapter options
(``--lifespan`` and the like) apply to apps only: a handler builds its own
Adapter.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from ..adapter import Adapter

__all__ = ["Kind", "Target", "load_handler", "make_handler", "wants_handler"]

Kind = Literal["auto", "app", "handler"]
Handler = Callable[[Any, Any], Any]

_WSGI_FIRST = ("environ", "env", "environment")


class Target:
    """A parsed ``TARGET``: the module to import, from which directory, and the attribute."""

    __slots__ = ("attr", "file", "module", "root", "text")

    def __init__(self, text: str) -> None:
        location, sep, attr = text.rpartition(":")
        if not sep or not location or not attr:
            raise ValueError(
                f"TARGET must be 'module:attr' or 'path/to/file.py:attr', not {text!r}"
            )
        if not all(part.isidentifier() for part in attr.split(".")):
            raise ValueError(f"{attr!r} in TARGET {text!r} is not an attribute name")
        self.text = text
        self.attr = attr
        self.file: Path | None
        if location.endswith(".py") or os.sep in location or "/" in location:
            file = Path(location).resolve()
            if file.suffix != ".py":
                raise ValueError(f"{location!r} in TARGET {text!r} is not a .py file")
            if not file.is_file():
                raise ValueError(f"no such file: {location!r} (from TARGET {text!r})")
            self.file = file
            self.module = file.stem
            self.root = str(file.parent)
        else:
            if not all(part.isidentifier() for part in location.split(".")):
                raise ValueError(f"{location!r} in TARGET {text!r} is not a module name")
            self.file = None
            self.module = location
            self.root = os.getcwd()

    def load(self) -> Any:
        """Import the module and return the attribute."""
        if self.root not in sys.path:
            sys.path.insert(0, self.root)
        module = importlib.import_module(self.module)
        if self.file is not None:
            loaded = getattr(module, "__file__", None)
            if loaded is None or Path(loaded).resolve() != self.file:
                raise ImportError(
                    f"importing {self.module!r} found {loaded!r}, not {str(self.file)!r}: "
                    "another module of that name comes first on sys.path"
                )
        found: Any = module
        for name in self.attr.split("."):
            try:
                found = getattr(found, name)
            except AttributeError:
                raise AttributeError(
                    f"{self.module!r} has no attribute {self.attr!r} (TARGET {self.text!r})"
                ) from None
        return found

    def __repr__(self) -> str:
        return f"<Target {self.text!r}>"


def wants_handler(obj: Any) -> bool:
    """Whether ``obj`` looks like a Lambda handler rather than a web app."""
    if isinstance(obj, Adapter):
        return True
    if not (inspect.isfunction(obj) or inspect.ismethod(obj)) or inspect.iscoroutinefunction(obj):
        return False
    names = list(inspect.signature(obj).parameters)
    if names and names[0] in _WSGI_FIRST:
        return False
    return not (len(names) > 1 and names[1] == "start_response")


def make_handler(obj: Any, kind: Kind, adapter_options: Mapping[str, Any]) -> tuple[Handler, str]:
    """The Lambda handler to serve for ``obj``, and a few words saying what it is."""
    if not callable(obj):
        raise TypeError(f"the target is a {type(obj).__name__}, not an app or a handler")
    if kind == "handler" or (kind == "auto" and wants_handler(obj)):
        # The gateway's base path is given for handlers too; only the app's
        # own Adapter options are out of place.
        explicit = sorted(name for name in adapter_options if name != "base_path")
        if explicit:
            options = ", ".join(explicit)
            raise ValueError(
                f"Adapter options ({options}) apply to an app; this target is a Lambda "
                "handler, so set them where it builds its Adapter (or pass --kind app)"
            )
        return obj, "Lambda handler"
    adapter = Adapter(obj, **adapter_options)
    return adapter, f"{adapter.interface.upper()} app in Adapter"


def load_handler(
    text: str, kind: Kind = "auto", adapter_options: Mapping[str, Any] | None = None
) -> Handler:
    """Import ``TARGET`` and return the handler to serve (what the runtime shim calls)."""
    handler, _ = make_handler(Target(text).load(), kind, adapter_options or {})
    return handler

"""``mypyc_attr`` for the classes the compiled build compiles (setup.py).

mypyc reads the decorator when it compiles a class and never calls it; in the
pure-Python package it is a no-op, so ``mypy_extensions`` is never needed at
run time. Public classes carry ``allow_interpreted_subclasses=True``: without
it a compiled class refuses Python subclasses, which the pure package allows.
"""

from __future__ import annotations

from ._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_extensions import mypyc_attr
else:

    def mypyc_attr(*flags, **values):
        return lambda thing: thing


__all__ = ["mypyc_attr"]

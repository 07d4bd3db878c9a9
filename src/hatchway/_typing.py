"""``TYPE_CHECKING`` without importing :mod:`typing`.

``typing`` brings ``re``, ``contextlib`` and more with it, about a third of
``import hatchway``; the modules on the import path use it for annotations
only, under ``if TYPE_CHECKING:``, which type checkers always take.
"""

TYPE_CHECKING = False

"""``typing.TYPE_CHECKING``, re-exported.

It once stood in for ``typing`` to keep that module off the import path; the
public signatures now need ``typing`` at run time (``typing.get_type_hints()``
must resolve them), so this is only what older modules import. New code
imports ``TYPE_CHECKING`` from ``typing``.
"""

from typing import TYPE_CHECKING

__all__ = ["TYPE_CHECKING"]

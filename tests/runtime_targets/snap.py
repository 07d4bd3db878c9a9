"""A handler with SnapStart hooks; SNAP_FAIL names a hook that raises."""

from __future__ import annotations

import os
from typing import Any

from snapshot_restore_py import register_after_restore, register_before_snapshot

calls: list[str] = []


def _hook(name: str) -> None:
    calls.append(name)
    if os.environ.get("SNAP_FAIL") == name:
        raise RuntimeError(f"{name} failed")


register_before_snapshot(_hook, "before-1")
register_before_snapshot(_hook, "before-2")
register_after_restore(_hook, "after-1")
register_after_restore(_hook, name="after-2")


def handler(event: Any, context: Any) -> Any:
    return {"calls": calls}

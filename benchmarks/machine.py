"""What the benchmarks ran on: CPU, cores, Python and package versions."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

__all__ = ["PACKAGES", "describe", "load"]

PACKAGES = (
    "hatchway",
    "mangum",
    "apig-wsgi",
    "serverless-wsgi",
    "fastapi",
    "starlette",
    "flask",
    "werkzeug",
    "httpx",
    "pybase64",
    "awslambdaric",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> list[tuple[str, str]]:
    """``(what, value)`` rows describing this machine and the package versions."""
    rows = [
        ("CPU", _cpu_model()),
        ("cores", str(os.cpu_count())),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("Python", f"{platform.python_implementation()} {sys.version.split()[0]}"),
    ]
    rows.extend((package, _version(package)) for package in PACKAGES)
    return rows


def load() -> str:
    """The machine's load averages, to read the numbers by."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return ""
    return (
        f"Load average at the end: {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)."
    )

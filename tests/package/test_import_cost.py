"""What ``import hatchway`` loads: the cold start pays for every module, so the
ones only some paths need are imported where they are used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.subprocess

# Each is only needed off the usual path: logging when something is logged,
# json/base64/urllib for pass-through, binary requests, odd paths and the
# gateway direction, http for load balancer status lines, asyncio for ASGI,
# re for methods that are not all letters, pybase64 for binary responses.
# typing is loaded (typing.get_type_hints() on the public signatures must
# work), and with it what it imports on this Python (re and contextlib up
# to 3.12): those are not checked.
_CANDIDATES = (
    "asyncio",
    "logging",
    "json",
    "base64",
    "urllib.parse",
    "http",
    "inspect",
    "re",
    "contextlib",
    "pybase64",
)

_PROBE = """
import json, sys
before = set(sys.modules)
{code}
loaded = sorted(set(sys.modules) - before)
print(json.dumps(loaded))
"""


def loaded_by(code: str) -> list[str]:
    # json is imported by the probe before it looks: check it separately.
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(code=code)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


DEFERRED = tuple(m for m in _CANDIDATES if m not in loaded_by("import typing"))


@pytest.mark.parametrize(
    "code",
    [
        "import hatchway",
        "from hatchway import Adapter\n"
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'hi']\n"
        "handler = Adapter(app)\n"
        "handler({'version': '2.0', 'rawPath': '/', 'headers': {'host': 'h'},"
        " 'requestContext': {'http': {'method': 'GET', 'sourceIp': '1.2.3.4'}}}, None)",
    ],
    ids=["import", "wsgi-invocation"],
)
def test_deferred_modules_stay_unloaded(code: str) -> None:
    loaded = loaded_by(code)
    assert [m for m in DEFERRED if m in loaded and m != "json"] == []


def test_import_does_not_load_json() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys, hatchway; print('json' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"

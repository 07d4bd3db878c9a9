"""Cold-start costs, each measured in fresh interpreter processes.

- import time: ``python -X importtime -c "import X"``, the cumulative time of
  the top-level package (interpreter start-up excluded);
- time to first response: a fresh process imports the app (not timed), then
  times importing the adapter, building the handler and answering one event.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

__all__ = ["FIRST_RESPONSE", "IMPORTS", "first_responses", "import_times"]

_ROOT = Path(__file__).resolve().parent.parent

#: Module names whose import is timed, by the label the table shows.
IMPORTS = {
    # What `from hatchway import Adapter` loads: the package's own __init__
    # loads its public names on first use, so `import hatchway` alone is nothing.
    "hatchway": "hatchway.adapter",
    "mangum": "mangum",
    "apig-wsgi": "apig_wsgi",
    "serverless-wsgi": "serverless_wsgi",
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter's run; its stderr is in the error if it fails."""
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=_env(), timeout=60
    )
    if done.returncode != 0:
        raise RuntimeError(f"python {' '.join(args)!r} failed:\n{done.stderr[-3000:]}")
    return done


def _import_once(module: str) -> float:
    done = _python("-X", "importtime", "-c", f"import {module}")
    for line in done.stderr.splitlines():
        # "import time:   self [us] | cumulative | imported package"
        parts = line.split("|")
        if len(parts) == 3 and parts[2].rstrip() == f" {module}":
            return int(parts[1]) / 1e6
    raise RuntimeError(f"no import-time line for {module}:\n{done.stderr[-2000:]}")


def import_times(modules: dict[str, str], runs: int) -> dict[str, tuple[float, bool]]:
    """By label: median seconds to import the module, and whether that loaded
    asyncio. The modules take turns (A B C A B C ...), like the timed rounds."""
    samples: dict[str, list[float]] = {label: [] for label in modules}
    for module in modules.values():
        _import_once(module)  # write the bytecode caches first
    for _ in range(runs):
        for label, module in modules.items():
            samples[label].append(_import_once(module))
    results = {}
    for label, module in modules.items():
        probe = _python("-c", f"import sys, {module}; print('asyncio' in sys.modules)")
        results[label] = (statistics.median(samples[label]), probe.stdout.strip() == "True")
    return results


_FIRST = """
import json, sys, time
{app_setup}
from benchmarks.events import {event}, LambdaContext
event, context = {event}, LambdaContext()
start = time.perf_counter()
{handler_setup}
response = handler(event, context)
elapsed = time.perf_counter() - start
assert response["statusCode"] == 200, response
print(json.dumps({{"seconds": elapsed, "asyncio": "asyncio" in sys.modules}}))
"""

_MINIMAL_ASGI = "from benchmarks.apps import minimal_asgi as app"
_MINIMAL_WSGI = "from benchmarks.apps import minimal_wsgi as app"
_FASTAPI = "from benchmarks.frameworks import fastapi_with_client; app = fastapi_with_client()"
_HATCHWAY = "from hatchway import Adapter; handler = Adapter(app)"

#: case -> adapter -> (app setup, handler setup); all answer the HTTP API v2 event.
FIRST_RESPONSE: dict[str, dict[str, tuple[str, str]]] = {
    "minimal ASGI": {
        "hatchway": (_MINIMAL_ASGI, _HATCHWAY),
        "Mangum(lifespan=off)": (
            _MINIMAL_ASGI,
            "from mangum import Mangum; handler = Mangum(app, lifespan='off')",
        ),
    },
    "minimal WSGI": {
        "hatchway": (_MINIMAL_WSGI, _HATCHWAY),
        "apig-wsgi": (
            _MINIMAL_WSGI,
            "from apig_wsgi import make_lambda_handler; handler = make_lambda_handler(app)",
        ),
        "serverless-wsgi": (
            _MINIMAL_WSGI,
            "import serverless_wsgi\n"
            "def handler(event, context):\n"
            "    return serverless_wsgi.handle_request(app, event, context)",
        ),
    },
    "FastAPI + lifespan client": {
        "hatchway": (_FASTAPI, _HATCHWAY),
        "Mangum": (_FASTAPI, "from mangum import Mangum; handler = Mangum(app)"),
    },
}


def _first_once(app_setup: str, handler_setup: str) -> tuple[float, bool]:
    code = _FIRST.format(app_setup=app_setup, handler_setup=handler_setup, event="HTTP_API_V2")
    done = _python("-c", code)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["seconds"]), bool(result["asyncio"])


def first_responses(
    adapters: dict[str, tuple[str, str]], runs: int
) -> dict[str, tuple[float, bool]]:
    """By adapter: median seconds from importing the adapter to the first
    response, and whether asyncio was loaded by then. Adapters take turns."""
    for app_setup, handler_setup in adapters.values():
        _first_once(app_setup, handler_setup)  # bytecode caches
    samples: dict[str, list[tuple[float, bool]]] = {name: [] for name in adapters}
    for _ in range(runs):
        for name, (app_setup, handler_setup) in adapters.items():
            samples[name].append(_first_once(app_setup, handler_setup))
    return {
        name: (statistics.median(s[0] for s in results), results[-1][1])
        for name, results in samples.items()
    }

"""Build hook: a pure-Python package by default; with ``HATCHWAY_MYPYC=1`` the
modules every invocation runs through are compiled with mypyc.

The metadata lives in pyproject.toml. The compiled modules are the same source
files, so both builds pass the same test suite (see docs/performance.md).
"""

import os
import shutil

from setuptools import setup

#: The per-invocation path: the invocation itself (dispatch.py), the WSGI
#: runner, the ASGI scope, response checks and deadline guard, the value
#: objects, the size guard and every built-in event source. The rest stays
#: Python: Adapter's option checks (they give their own errors), the ASGI
#: runner's coroutines and loop (compiled coroutines throw() into the app with
#: the signature deprecated since Python 3.12), the local gateway, the runtime
#: loop and the testing helpers. In these modules, module-level constants and
#: caches are declared Final: compiled code then reads them from C statics
#: instead of looking them up in the module's dict.
COMPILED = [
    "src/hatchway/asgi/deadline.py",
    "src/hatchway/asgi/messages.py",
    "src/hatchway/dispatch.py",
    "src/hatchway/http.py",
    "src/hatchway/limits.py",
    "src/hatchway/wsgi.py",
    "src/hatchway/sources/_body.py",
    "src/hatchway/sources/_fields.py",
    "src/hatchway/sources/_headers.py",
    "src/hatchway/sources/_paths.py",
    "src/hatchway/sources/alb.py",
    "src/hatchway/sources/apigw_http.py",
    "src/hatchway/sources/apigw_rest.py",
    "src/hatchway/sources/lambda_edge.py",
    "src/hatchway/sources/vpc_lattice.py",
]

# setuptools reuses build/ between builds: a compiled build's extension modules
# left there would end up in the next pure-Python wheel.
shutil.rmtree("build", ignore_errors=True)

ext_modules = []
if os.environ.get("HATCHWAY_MYPYC") == "1":
    from mypyc.build import mypycify

    ext_modules = mypycify(COMPILED, opt_level="3", group_name="hatchway")

setup(ext_modules=ext_modules)

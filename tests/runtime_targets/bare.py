"""A handler that imports nothing: it reports the modules the runtime loaded."""

import sys

HEAVY = (
    "argparse",
    "asyncio",
    "concurrent.futures",
    "decimal",
    "email",
    "encodings.idna",
    "http.client",
    "pathlib",
    "ssl",
    "typing",
)


def handler(event, context):
    return sorted(name for name in HEAVY if name in sys.modules)

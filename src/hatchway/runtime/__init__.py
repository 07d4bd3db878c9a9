"""hatchway's own Lambda runtime loop: ``python -m hatchway.runtime TARGET``.

It takes the place of ``awslambdaric`` (the Python managed runtime's client)
and behaves like it for everything a handler sees: the context object,
request ids in the logs, ``_X_AMZN_TRACE_ID``, error documents, init errors,
``AWS_LAMBDA_MAX_CONCURRENCY`` worker processes. What it adds is response
streaming: an ``Adapter(app, streaming=True)`` answering a Function URL in
``RESPONSE_STREAM`` mode sends each ASGI body chunk as the app produces it.

Modules: :mod:`.api` (the Runtime API client and the chunked response
stream), :mod:`.context`, :mod:`.logs`, :mod:`.faults` (error documents,
loading, marshalling), :mod:`.loop` (the loop), :mod:`.workers` (forked
workers). Deployment: the ``exec-wrapper`` script beside this file for the
managed Python runtimes (``AWS_LAMBDA_EXEC_WRAPPER``) and the ``bootstrap``
script for ``provided.al2023``; see docs/streaming.md.
"""

from __future__ import annotations

from .loop import RuntimeLoop, run

__all__ = ["RuntimeLoop", "run"]

"""pytest fixtures for testing Lambda handlers.

Enable with ``pytest_plugins = ["hatchway.testing.pytest_plugin"]`` in a
``conftest.py``:

- ``lambda_context``: a fresh :class:`~hatchway.testing.LambdaContext`.
- ``lambda_client``: a factory, ``lambda_client(handler, source="apigw-http",
  **options)``, returning an ``httpx.Client`` on a
  :class:`~hatchway.testing.LambdaTransport` (base URL
  ``https://api.example.com``), closed when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .context import LambdaContext

if TYPE_CHECKING:
    import httpx

__all__ = ["lambda_client", "lambda_context"]


@pytest.fixture
def lambda_context() -> LambdaContext:
    """A Lambda context with a fresh request id and a 30 second deadline."""
    return LambdaContext()


@pytest.fixture
def lambda_client() -> Iterator[Callable[..., httpx.Client]]:
    """Make httpx clients that call a Lambda handler through a gateway's events."""
    # The transport first: without httpx it names the extra to install.
    from .transport import LambdaTransport  # noqa: I001

    import httpx

    clients: list[httpx.Client] = []

    def make(
        handler: Callable[[Any, Any], Any],
        source: str = "apigw-http",
        *,
        base_url: str = "https://api.example.com",
        **options: Any,
    ) -> httpx.Client:
        client = httpx.Client(
            transport=LambdaTransport(handler, source, **options), base_url=base_url
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()

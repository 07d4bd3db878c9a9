"""The Runtime API emulator answers at loopback speed: a request through
``--runtime ric`` or ``--runtime hatchway`` costs a few milliseconds, not the
~40 ms per round trip that Nagle's algorithm and delayed ACKs add when a
response goes out in two small sends."""

from __future__ import annotations

import statistics
import time

import httpx
import pytest

from helpers.local_process import serving, target

pytestmark = pytest.mark.subprocess

pytest.importorskip("werkzeug")

#: Generous against a loaded machine; the median seen alone is a few ms.
_BOUND_MS = 40.0


def _median_ms(base_url: str, count: int = 20) -> float:
    timings = []
    with httpx.Client(base_url=base_url, timeout=30, trust_env=False) as client:
        assert client.get("/warm-up").status_code == 200
        for _ in range(count):
            started = time.perf_counter()
            response = client.get("/")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    return statistics.median(timings)


@pytest.mark.parametrize("runtime", ["ric", "hatchway"])
def test_a_request_through_the_runtime_api_costs_a_few_milliseconds(runtime):
    if runtime == "ric":
        pytest.importorskip("awslambdaric")
    args = [target("handler.py") + ":handler", "--runtime", runtime]
    with serving(args) as server:
        median = _median_ms(server.base_url)
    print(f"--runtime {runtime}: median {median:.1f} ms per request")
    assert median < _BOUND_MS, f"median {median:.1f} ms per request under --runtime {runtime}"

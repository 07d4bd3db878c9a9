"""The first real request after a warm-up, against a steady one (FastAPI,
pydantic body).

Frameworks build routes, validators and serialisers lazily: the first
request of a route costs many times a steady one. ``Adapter(warmup=[...])``
runs requests in INIT so the first real one finds them built. Each run is a
fresh interpreter (a first request happens once per process): it builds the
Adapter with ``startup="init"`` and, or not, a warm-up of the route with one
body, then times the first real request with a similar, not identical, body
(other values, another path parameter) and the median of steady requests.

    python -m benchmarks.firstrequest          # prints the table
    first_request_ratios(runs)                 # {"with warm-up": (first, steady), ...}

Target: first <= 2.5 x steady with the warm-up.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

__all__ = ["TARGET", "first_request_ratios", "main", "render"]

TARGET = 2.5
_ROOT = Path(__file__).resolve().parent.parent

#: Run in a fresh interpreter; argv[1] is "warm" or "cold". Prints the first
#: request's seconds and the median steady request's, as JSON.
_PROGRAM = r"""
import json, statistics, sys, time
from fastapi import FastAPI
from pydantic import BaseModel

class Line(BaseModel):
    sku: str
    quantity: int
    price: float

class Order(BaseModel):
    customer: str
    lines: list[Line]
    note: str | None = None

app = FastAPI()

@app.post("/orders/{store}")
async def create(store: int, order: Order) -> dict:
    total = sum(line.quantity * line.price for line in order.lines)
    return {"store": store, "customer": order.customer, "total": total, "lines": len(order.lines)}

from hatchway import Adapter
from hatchway.testing import LambdaContext

def event(store, body):
    raw = json.dumps(body).encode()
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": f"/orders/{store}",
        "rawQueryString": "",
        "headers": {"host": "api.example.com", "content-type": "application/json"},
        "requestContext": {"domainName": "api.example.com", "requestId": "r",
            "http": {"method": "POST", "path": f"/orders/{store}", "sourceIp": "203.0.113.9"},
            "stage": "$default"},
        "body": raw.decode(), "isBase64Encoded": False,
    }

warmup = [{"method": "POST", "path": "/orders/1",
           "body": {"customer": "warm-up", "lines": [{"sku": "w", "quantity": 1, "price": 1.0}]}}]
handler = Adapter(app, startup="init", warmup=warmup if sys.argv[1] == "warm" else [])
context = LambdaContext()
first_event = event(7, {"customer": "ada", "note": "gift",
                        "lines": [{"sku": "a-1", "quantity": 2, "price": 9.5},
                                  {"sku": "b-2", "quantity": 1, "price": 3.25}]})
started = time.perf_counter()
answer = handler(first_event, context)
first = time.perf_counter() - started
assert answer["statusCode"] == 200, answer
steady = []
for i in range(300):
    e = event(i, {"customer": f"c{i}", "lines": [{"sku": f"s{i}", "quantity": i, "price": 2.0}]})
    started = time.perf_counter()
    answer = handler(e, context)
    steady.append(time.perf_counter() - started)
    assert answer["statusCode"] == 200, answer
print(json.dumps([first, statistics.median(steady[100:])]))
"""


def _once(mode: str) -> tuple[float, float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(_ROOT / "src"), str(_ROOT), env.get("PYTHONPATH")])
    )
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, mode],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the first-request run failed:\n{done.stderr[-3000:]}")
    first, steady = json.loads(done.stdout.strip().splitlines()[-1])
    return float(first), float(steady)


def first_request_ratios(runs: int = 7) -> dict[str, tuple[float, float]]:
    """By case ("with warm-up", "without warm-up"): the median first request's
    seconds and the median steady request's, over ``runs`` fresh processes
    taking turns."""
    results: dict[str, list[tuple[float, float]]] = {"warm": [], "cold": []}
    for _ in range(runs):
        for mode, found in results.items():
            found.append(_once(mode))
    return {
        ("with warm-up" if mode == "warm" else "without warm-up"): (
            statistics.median(first for first, _ in found),
            statistics.median(steady for _, steady in found),
        )
        for mode, found in results.items()
    }


def render(results: dict[str, tuple[float, float]], runs: int) -> list[str]:
    """The table ``python -m benchmarks`` writes, as markdown lines."""
    lines = [
        "## First request after INIT",
        "",
        'FastAPI with a pydantic body, `startup="init"`, with and without a warm-up of the'
        f" route (`warmup=`); medians of {runs} fresh processes. The first real request has a"
        " similar, not identical, body.",
        "",
        "| FastAPI, pydantic body | first ms | steady ms | first / steady |",
        "|---|---:|---:|---:|",
    ]
    for case, (first, steady) in results.items():
        lines.append(
            f"| {case} | {first * 1000:.2f} | {steady * 1000:.3f} | {first / steady:.1f} |"
        )
    return lines


def main(runs: int = 7) -> int:
    results = first_request_ratios(runs)
    print("\n".join(render(results, runs)))
    first, steady = results["with warm-up"]
    met = first / steady <= TARGET
    print(f"\ntarget: first <= {TARGET} x steady with a warm-up: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 7))

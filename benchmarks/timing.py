"""Interleaved timing: every contender of a case runs one round in turn (A B C
A B C ...), so drift in the machine's speed touches them all alike."""

from __future__ import annotations

import copy
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

__all__ = ["Contender", "interleave", "median", "mutates", "peak_memory"]

Handler = Callable[[dict[str, Any], Any], Any]


class Contender:
    """One adapter set up for one case: a handler and the event it is given."""

    def __init__(self, name: str, handler: Handler, event: dict[str, Any], context: Any) -> None:
        self.name = name
        self.handler = handler
        self.event = event
        self.context = context
        #: Set when the handler changes the event it is given: it then gets a
        #: fresh deep copy per call, made before the clock starts.
        self.copies = False

    def call(self) -> Any:
        return self.handler(copy.deepcopy(self.event), self.context)

    def round(self, calls: int) -> float:
        """Seconds per call, averaged over ``calls`` calls."""
        handler, context = self.handler, self.context
        if self.copies:
            events = [copy.deepcopy(self.event) for _ in range(calls)]
        else:
            events = [self.event] * calls
        start = time.perf_counter()
        for event in events:
            handler(event, context)
        return (time.perf_counter() - start) / calls


def mutates(contender: Contender) -> bool:
    """Whether the handler changes the event dict it is given."""
    event = copy.deepcopy(contender.event)
    contender.handler(event, contender.context)
    return event != contender.event


def interleave(
    contenders: list[Contender], *, rounds: int, round_seconds: float
) -> dict[str, list[float]]:
    """Per-call seconds of each round, by contender name.

    Each contender's calls per round are calibrated so that its rounds last
    about ``round_seconds``: slow and fast adapters both get enough calls.
    """
    calls = {}
    for contender in contenders:
        contender.copies = mutates(contender)
        for _ in range(3):  # warm caches, lifespan, the loop
            contender.call()
        one = contender.round(1)
        calls[contender.name] = max(1, int(round_seconds / max(one, 1e-7)))
    samples: dict[str, list[float]] = {c.name: [] for c in contenders}
    for _ in range(rounds):
        for contender in contenders:
            gc.collect()
            samples[contender.name].append(contender.round(calls[contender.name]))
    return samples


def median(values: list[float]) -> float:
    return statistics.median(values)


def peak_memory(contender: Contender, runs: int = 3) -> int:
    """Bytes allocated at the peak of one call, above what was live before it (median)."""
    contender.call()  # warm: lifespan and caches are not per-call memory
    peaks = []
    for _ in range(runs):
        event = copy.deepcopy(contender.event)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            result = contender.handler(event, contender.context)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        del result
        peaks.append(peak - before)
    return int(statistics.median(peaks))

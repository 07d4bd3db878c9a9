"""Run every benchmark, print the markdown results and write them to RESULTS.md.

python -m benchmarks            # the full run, about three minutes on 2 cores
python -m benchmarks --quick    # fewer rounds and runs, for a smoke test
python -m benchmarks --only endtoend --python .venv-312/bin/python
                                # end to end only, the runtime loops on 3.12 too
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import coldstart, compression, endtoend, firstrequest, machine
from .events import HTTP_API_V2, REST, LambdaContext
from .timing import Contender, interleave, median, peak_memory

__all__ = ["main"]

Handler = Callable[[dict[str, Any], Any], Any]
Factory = Callable[[], Handler]

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
FLOOR = "(floor: standard-library base64 alone)"
NO_SPEEDUPS = "hatchway, without speedups"


# Adapters, each built from an app. Imports are deferred so that a case only
# loads what it uses.


def hatchway(app: Any, **options: Any) -> Handler:
    from hatchway import Adapter

    return Adapter(app, **options)


def mangum(app: Any, **options: Any) -> Handler:
    from mangum import Mangum

    return Mangum(app, **options)


def apig_wsgi(app: Any, **options: Any) -> Handler:
    from apig_wsgi import make_lambda_handler

    return make_lambda_handler(app, **options)


def hatchway_stdlib_base64(app: Any) -> Handler:
    """hatchway as it runs without the ``speedups`` extra: with the standard
    library's base64 encoder, whether or not pybase64 is installed here."""
    from hatchway import Adapter
    from hatchway.sources import body as body_module

    adapter = Adapter(app)

    def handler(event: dict[str, Any], context: Any) -> Any:
        # A private switch, set per call: the contenders share one process.
        found = body_module._pybase64
        body_module._pybase64 = False
        try:
            return adapter(event, context)
        finally:
            body_module._pybase64 = found

    return handler


def base64_floor(app: Any) -> Handler:
    """Not an adapter: only the base64 encoding every adapter must do for a binary
    body, the floor under the 4 MiB cases."""
    from .apps import BINARY_BODY

    def handler(event: dict[str, Any], context: Any) -> Any:
        body = base64.b64encode(BINARY_BODY).decode("ascii")
        return {"statusCode": 200, "body": body, "isBase64Encoded": True}

    return handler


def serverless_wsgi(app: Any) -> Handler:
    import serverless_wsgi as module

    def handler(event: dict[str, Any], context: Any) -> Any:
        return module.handle_request(app, event, context)

    return handler


class Case:
    """One row group of the table: one app and event, several adapters."""

    def __init__(
        self, name: str, event_name: str, event: dict[str, Any], adapters: dict[str, Factory]
    ) -> None:
        self.name = name
        self.event_name = event_name
        self.event = event
        self.adapters = adapters
        self.medians: dict[str, float] = {}
        self.peaks: dict[str, int] = {}


def _apps() -> dict[str, Any]:
    from . import apps

    return {
        "asgi": apps.minimal_asgi,
        "wsgi": apps.minimal_wsgi,
        "binary_asgi": apps.binary_asgi,
        "binary_wsgi": apps.binary_wsgi,
        "text_1mb": apps.text_asgi(1_000_000),
        "text_4mb": apps.text_asgi(4_000_000),
    }


def cases() -> list[Case]:
    from . import frameworks

    app = _apps()
    with_client = frameworks.fastapi_with_client()
    plain_fastapi = frameworks.fastapi_app()
    flask = frameworks.flask_app()

    def ours(target: Any) -> dict[str, Factory]:
        return {"hatchway": lambda: hatchway(target)}

    built: list[Case] = []
    for event_name, event in (("HTTP API v2", HTTP_API_V2), ("REST", REST)):
        built.append(
            Case(
                "minimal ASGI",
                event_name,
                event,
                {
                    **ours(app["asgi"]),
                    "Mangum(lifespan=off)": lambda: mangum(app["asgi"], lifespan="off"),
                },
            )
        )
        built.append(
            Case(
                "minimal WSGI",
                event_name,
                event,
                {
                    **ours(app["wsgi"]),
                    "apig-wsgi": lambda: apig_wsgi(app["wsgi"]),
                    "serverless-wsgi": lambda: serverless_wsgi(app["wsgi"]),
                },
            )
        )
    built += [
        Case(
            "FastAPI + lifespan httpx client",
            "HTTP API v2",
            HTTP_API_V2,
            {
                **ours(with_client),
                "Mangum (default)": lambda: mangum(with_client),
            },
        ),
        Case(
            "FastAPI, no lifespan",
            "HTTP API v2",
            HTTP_API_V2,
            {
                **ours(plain_fastapi),
                "Mangum(lifespan=off)": lambda: mangum(plain_fastapi, lifespan="off"),
                "Mangum (default)": lambda: mangum(plain_fastapi),
            },
        ),
        Case(
            "Flask",
            "HTTP API v2",
            HTTP_API_V2,
            {
                **ours(flask),
                "apig-wsgi": lambda: apig_wsgi(flask),
                "serverless-wsgi": lambda: serverless_wsgi(flask),
            },
        ),
        Case(
            "4 MiB binary, ASGI",
            "HTTP API v2",
            HTTP_API_V2,
            {
                **ours(app["binary_asgi"]),
                "Mangum(lifespan=off)": lambda: mangum(app["binary_asgi"], lifespan="off"),
                NO_SPEEDUPS: lambda: hatchway_stdlib_base64(app["binary_asgi"]),
                FLOOR: lambda: base64_floor(app["binary_asgi"]),
            },
        ),
        Case(
            "4 MiB binary, WSGI",
            "HTTP API v2",
            HTTP_API_V2,
            {
                **ours(app["binary_wsgi"]),
                "apig-wsgi": lambda: apig_wsgi(app["binary_wsgi"], binary_support=True),
                NO_SPEEDUPS: lambda: hatchway_stdlib_base64(app["binary_wsgi"]),
                "serverless-wsgi": lambda: serverless_wsgi(app["binary_wsgi"]),
            },
        ),
    ]
    built += [
        Case(
            f"{size} text, ASGI",
            "HTTP API v2",
            HTTP_API_V2,
            {
                **ours(app[key]),
                "Mangum(lifespan=off)": lambda key=key: mangum(app[key], lifespan="off"),
            },
        )
        for size, key in (("1 MB", "text_1mb"), ("4 MB", "text_4mb"))
    ]
    return built


def _answer(response: dict[str, Any]) -> tuple[int, bytes]:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        return response["statusCode"], base64.b64decode(body)
    return response["statusCode"], body.encode("utf-8")


def _check_same_answer(case: Case, contenders: list[Contender]) -> None:
    """Every adapter must give the app's answer, or the timings compare nothing."""
    answers = {c.name: _answer(c.call()) for c in contenders}
    first = next(iter(answers.values()))
    for name, answer in answers.items():
        if answer != first or answer[0] != 200:
            raise RuntimeError(
                f"{case.name} ({case.event_name}): {name} answered {answer[0]} "
                f"{answer[1][:80]!r}, expected {first[0]} {first[1][:80]!r}"
            )


def run_case(case: Case, *, rounds: int, round_seconds: float, memory: bool) -> list[str]:
    """Time one case; returns the adapters that change the event they are given."""
    context = LambdaContext()
    contenders = [
        Contender(name, factory(), case.event, context) for name, factory in case.adapters.items()
    ]
    _check_same_answer(case, contenders)
    samples = interleave(contenders, rounds=rounds, round_seconds=round_seconds)
    case.medians = {name: median(values) for name, values in samples.items()}
    if memory:
        case.peaks = {c.name: peak_memory(c) for c in contenders}
    return [c.name for c in contenders if c.copies]


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}" if seconds < 0.01 else f"{seconds * 1e6:,.0f}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.3f}"


class Target:
    def __init__(self, what: str, limit: float, ratios: list[float], extra: bool = True) -> None:
        self.what = what
        self.limit = limit
        self.ratios = ratios
        self.met = bool(ratios) and all(r <= limit for r in ratios) and extra


def targets(
    timed: list[Case], imports: dict[str, tuple[float, bool]], wsgi_asyncio: bool
) -> list[Target]:
    def ratios(case_name: str, peer: str) -> list[float]:
        return [
            c.medians["hatchway"] / c.medians[peer]
            for c in timed
            if c.name == case_name and peer in c.medians
        ]

    binary = next(c for c in timed if c.name == "4 MiB binary, ASGI")
    lower_peak = binary.peaks.get("hatchway", 1) < binary.peaks.get("Mangum(lifespan=off)", 0)
    return [
        Target(
            "minimal ASGI <= 0.8 x Mangum(lifespan=off)",
            0.8,
            ratios("minimal ASGI", "Mangum(lifespan=off)"),
        ),
        Target("minimal WSGI <= 1.3 x apig-wsgi", 1.3, ratios("minimal WSGI", "apig-wsgi")),
        Target(
            "FastAPI + lifespan client <= 0.02 x Mangum (default)",
            0.02,
            ratios("FastAPI + lifespan httpx client", "Mangum (default)"),
        ),
        Target(
            "FastAPI, no lifespan <= 0.9 x Mangum(lifespan=off)",
            0.9,
            ratios("FastAPI, no lifespan", "Mangum(lifespan=off)"),
        ),
        Target(
            "4 MiB binary <= 0.8 x Mangum(lifespan=off), lower peak memory",
            0.8,
            ratios("4 MiB binary, ASGI", "Mangum(lifespan=off)"),
            extra=lower_peak,
        ),
        Target(
            "1 MB and 4 MB text <= 1.0 x Mangum(lifespan=off)",
            1.0,
            ratios("1 MB text, ASGI", "Mangum(lifespan=off)")
            + ratios("4 MB text, ASGI", "Mangum(lifespan=off)"),
        ),
        Target(
            "import hatchway <= 0.3 x import mangum",
            0.3,
            [imports["hatchway"][0] / imports["mangum"][0]],
        ),
        Target("no asyncio import on the WSGI path", 0.0, [0.0], extra=not wsgi_asyncio),
    ]


def render_inprocess(
    timed: list[Case],
    imports: dict[str, tuple[float, bool]],
    first: dict[str, dict[str, tuple[float, bool]]],
    *,
    rounds: int,
    runs: int,
) -> list[str]:
    lines = [
        "## In process",
        "",
        f"Per-invocation times are medians of {rounds} interleaved rounds (each adapter in"
        " turn, in one process, called directly with the event dict).",
        "",
        "| case | event | adapter | median µs | hatchway ÷ adapter | peak MiB |",
        "|---|---|---|---:|---:|---:|",
    ]
    for case in timed:
        ours = case.medians["hatchway"]
        for name, value in case.medians.items():
            peak = case.peaks.get(name)
            lines.append(
                f"| {case.name} | {case.event_name} | {name} | {_us(value)} | "
                f"{'' if name == 'hatchway' else _ratio(ours, value)} | "
                f"{'' if peak is None else f'{peak / 2**20:.1f}'} |"
            )
    lines += [
        "",
        "## Cold start, in process",
        "",
        f"Import time: `python -X importtime -c 'import X'`, cumulative, median of {runs} fresh"
        " processes per package, the packages taking turns. Time to first response: a fresh"
        " process imports the app, then imports the"
        " adapter, builds the handler and answers one HTTP API v2 event (median of"
        f" {runs} processes).",
        "",
        "| import | median ms | hatchway ÷ it | imports asyncio |",
        "|---|---:|---:|---|",
    ]
    ours_import = imports["hatchway"][0]
    for label, (value, loads_asyncio) in imports.items():
        ratio = "" if label == "hatchway" else _ratio(ours_import, value)
        lines.append(f"| `{label}` | {_ms(value)} | {ratio} | {'yes' if loads_asyncio else 'no'} |")
    lines += [
        "",
        "| first response | adapter | median ms | hatchway ÷ adapter | asyncio loaded |",
        "|---|---|---:|---:|---|",
    ]
    for case_name, results in first.items():
        ours = results["hatchway"][0]
        for name, (value, loads_asyncio) in results.items():
            ratio = "" if name == "hatchway" else _ratio(ours, value)
            lines.append(
                f"| {case_name} | {name} | {_ms(value)} | {ratio} | "
                f"{'yes' if loads_asyncio else 'no'} |"
            )
    return lines


def render(sections: list[str], goals: list[Target], *, seconds: float, notes: list[str]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m benchmarks` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f" in {seconds:.0f} s; a ratio below 1 means hatchway is faster. {machine.load()}",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {what} | {value} |" for what, value in machine.describe()]
    lines += ["", *sections]
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    for goal in goals:
        measured = ", ".join(f"{r:.3f}" for r in goal.ratios) if goal.limit else "-"
        lines.append(f"| {goal.what} | {measured} | {'yes' if goal.met else '**no**'} |")
    lines += ["", "Notes:", ""]
    lines += [f"- {note}." for note in notes]
    return "\n".join(lines) + "\n"


def run_inprocess(quick: bool) -> tuple[list[str], list[Target], list[str], dict[str, Any]]:
    rounds, round_seconds, runs = (5, 0.01, 3) if quick else (15, 0.025, 5)
    timed = cases()
    copied: dict[str, list[str]] = {}
    for case in timed:
        print(f"timing {case.name} ({case.event_name}) ...", file=sys.stderr, flush=True)
        memory = " binary" in case.name or " text" in case.name
        names = run_case(case, rounds=rounds, round_seconds=round_seconds, memory=memory)
        copied[f"{case.name} ({case.event_name})"] = names

    print("timing imports and first responses ...", file=sys.stderr, flush=True)
    imports = coldstart.import_times(coldstart.IMPORTS, runs)
    first = {
        case_name: coldstart.first_responses(adapters, runs)
        for case_name, adapters in coldstart.FIRST_RESPONSE.items()
    }
    wsgi_asyncio = first["minimal WSGI"]["hatchway"][1]
    goals = targets(timed, imports, wsgi_asyncio)
    notes = [
        f"{', '.join(names)} changed the event in {case}: given a fresh copy per call,"
        " made before the clock starts"
        for case, names in copied.items()
        if names
    ] or ["No adapter changed the event it was given in process"]
    notes.append("hatchway runs with its defaults (`Adapter(app)`, lifespan `auto`) in every case")
    section = render_inprocess(timed, imports, first, rounds=rounds, runs=runs)

    compressed = compression.measure(rounds, round_seconds * 4)
    section += ["", *compression.render(compressed, rounds)]
    print("timing first requests after INIT ...", file=sys.stderr, flush=True)
    firsts = firstrequest.first_request_ratios(runs)
    section += ["", *firstrequest.render(firsts, runs)]
    warm_first, warm_steady = firsts["with warm-up"]
    goals.append(
        Target(
            f"first request after a warm-up <= {firstrequest.TARGET} x a steady one (FastAPI)",
            firstrequest.TARGET,
            [warm_first / warm_steady],
        )
    )
    raw = {f"{c.name} ({c.event_name})": c.medians for c in timed}
    return section, goals, notes, raw


def run_endtoend(quick: bool, pythons: list[str]) -> tuple[list[str], list[Target], dict[str, Any]]:
    rounds = 1 if quick else 5
    print("end to end ...", file=sys.stderr, flush=True)
    plan = endtoend.Plan([sys.executable, *pythons], quick)
    endtoend.measure(plan.contenders(), rounds)
    goals = [
        Target(what, limit, ratios, met) for what, limit, ratios, met in endtoend.targets(plan)
    ]
    raw = {
        f"{c.label} ({c.runtime}, {endtoend.python_version(c.python)})": endtoend.Measured(c).cpu
        for c in plan.contenders()
    }
    return ["", *endtoend.render(plan, rounds)], goals, raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke test")
    parser.add_argument(
        "--only", choices=("inprocess", "endtoend"), help="run one half of the benchmarks"
    )
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="PATH",
        help="another interpreter (with awslambdaric and hatchway) for the runtime-loop table",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the table")
    parser.add_argument("--json", type=Path, help="also write the raw medians as JSON")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    sections: list[str] = []
    goals: list[Target] = []
    notes: list[str] = []
    raw: dict[str, Any] = {}
    if args.only != "endtoend":
        section, more_goals, notes, raw["in process"] = run_inprocess(args.quick)
        sections += section
        goals += more_goals
    if args.only != "inprocess":
        section, more_goals, raw["end to end"] = run_endtoend(args.quick, args.python)
        sections += section
        goals += more_goals
    text = render(sections, goals, seconds=time.perf_counter() - started, notes=notes)
    print(text)
    args.output.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    return 0 if all(goal.met for goal in goals) else 1

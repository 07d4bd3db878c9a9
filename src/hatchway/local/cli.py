"""``hatchway serve``: run an app or a Lambda handler behind a local gateway.

    hatchway serve examples/local_demo.py:app --source apigw-rest --stage prod

Each request goes through the exact Lambda path: the chosen gateway's event,
the handler (wrapped in ``Adapter`` when TARGET is an app), the response dict
read back as that gateway would. ``--runtime ric`` runs the handler inside the
real ``awslambdaric`` against a local Runtime API. Needs ``hatchway[local]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any

from .console import Console
from .gateway_choice import SOURCE_NAMES, GatewayChoice
from .invocation import FunctionError, Runtime
from .target import Target

__all__ = ["build_parser", "main"]

_INSTALL_HINT = "install it with: pip install 'hatchway[local]'"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hatchway", description="Run ASGI and WSGI apps in AWS Lambda, and locally."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve an app or a Lambda handler through a local API Gateway, Function URL or ALB",
        description=(
            "Serve TARGET over HTTP the way the chosen AWS gateway would: each request "
            "becomes that gateway's event, the handler runs, its response dict is read back."
        ),
    )
    serve.add_argument(
        "target",
        metavar="TARGET",
        help="module:attr or path/to/file.py:attr naming an ASGI/WSGI app or a Lambda handler",
    )
    serve.add_argument(
        "--source",
        choices=SOURCE_NAMES,
        default="apigw-http",
        help="the gateway to play (default: apigw-http)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=8000, help="port to bind; 0 picks a free one (default: 8000)"
    )
    serve.add_argument("--stage", help="API Gateway stage; URLs then begin with /STAGE")
    serve.add_argument(
        "--base-path", default="", help="API Gateway custom-domain mapping path, such as /v1"
    )
    serve.add_argument(
        "--binary-media-types",
        metavar="TYPES",
        help="REST API binary media types, comma-separated (default: */*)",
    )
    serve.add_argument(
        "--runtime",
        choices=("inprocess", "ric", "hatchway"),
        default="inprocess",
        help="run the handler in this process, in awslambdaric, or in hatchway's own "
        "runtime loop, which can stream responses (default: inprocess)",
    )
    serve.add_argument(
        "--kind",
        choices=("auto", "app", "handler"),
        default="auto",
        help="what TARGET is: guessed by default (an Adapter or a plain "
        "(event, context) function is a handler; other callables are apps)",
    )
    serve.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="the function's time-out in seconds (default: 30)",
    )
    serve.add_argument(
        "--memory",
        type=int,
        default=128,
        help="the function's memory size in MB, as the context reports it",
    )
    serve.add_argument(
        "--max-concurrency",
        type=int,
        metavar="N",
        help="with --runtime ric or hatchway: forked runtime workers "
        "(default: $AWS_LAMBDA_MAX_CONCURRENCY, else one process)",
    )
    serve.add_argument(
        "--snapstart",
        action="store_true",
        help="with --runtime ric or hatchway: play SnapStart (INIT, the before-snapshot "
        "hooks, restore, the after-restore hooks) before the first request",
    )
    serve.add_argument(
        "--show-events", action="store_true", help="print every event and response dict"
    )
    serve.add_argument(
        "--reload",
        action="store_true",
        help="restart when a .py file under the target's or the current folder changes",
    )
    adapter = serve.add_argument_group("Adapter options (when TARGET is an app)")
    adapter.add_argument(
        "--interface", choices=("auto", "asgi", "wsgi"), help="ASGI or WSGI (default: detected)"
    )
    adapter.add_argument(
        "--lifespan", choices=("auto", "on", "off"), help="ASGI lifespan (default: auto)"
    )
    adapter.add_argument(
        "--text-mime-type",
        action="append",
        metavar="TYPE",
        help="another media type sent back as text (repeatable)",
    )
    adapter.add_argument(
        "--exclude-header",
        action="append",
        metavar="NAME",
        help="a response header never sent back (repeatable)",
    )
    adapter.add_argument(
        "--strip-stage",
        action="store_true",
        default=None,
        help="drop the stage from the path instead of making it root_path",
    )
    adapter.add_argument(
        "--streaming",
        action="store_true",
        default=None,
        help="stream the app's responses, as a function-url or apigw-rest set up to "
        "stream does (with --runtime hatchway)",
    )
    adapter.add_argument(
        "--errors",
        choices=("respond", "raise"),
        help="answer app errors with 500 (respond) or fail the invocation (raise)",
    )
    adapter.add_argument(
        "--startup",
        choices=("auto", "init", "first-request"),
        help="when the lifespan starts (default: auto, which is init when the handler loads)",
    )
    adapter.add_argument(
        "--warmup",
        action="append",
        metavar="PATH",
        help="a warm-up request, GET PATH, run when the handler loads (repeatable)",
    )
    return parser


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _streaming_sources() -> list[str]:
    """The ``--source`` names whose gateway can take a streamed response."""
    from ..sources import BUILTIN_SOURCES

    return [s.name for s in BUILTIN_SOURCES if hasattr(s, "render_prelude")]


def _check_combinations(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse what cannot work, before anything starts."""
    if args.streaming:
        if args.runtime != "hatchway":
            parser.error(
                "--streaming needs --runtime hatchway: only hatchway's runtime loop posts "
                "streamed responses (in process and under awslambdaric the Adapter answers "
                "buffered)"
            )
        can_stream = _streaming_sources()
        if args.source not in can_stream:
            parser.error(
                f"--streaming: {args.source} cannot stream responses; "
                f"use --source {' or '.join(can_stream)}"
            )
    if args.max_concurrency is not None:
        if args.runtime == "inprocess":
            parser.error(
                "--max-concurrency applies to --runtime ric or hatchway (forked runtime "
                "workers); in process the function takes one event at a time"
            )
        if args.max_concurrency < 1:
            parser.error(
                f"--max-concurrency takes a number of workers >= 1, not {args.max_concurrency}"
            )
    if args.warmup:
        from ..lifecycle import parse_warmups

        try:
            parse_warmups(args.warmup)
        except (TypeError, ValueError) as exc:
            parser.error(f"--warmup: {exc}")
    if args.snapstart and args.runtime == "inprocess":
        parser.error(
            "--snapstart needs --runtime ric or hatchway: a runtime client runs the "
            "snapshot and restore hooks"
        )
    if not 0 <= args.port <= 65535:
        parser.error(f"--port takes 0 to 65535, not {args.port}")
    if not args.timeout > 0:
        parser.error(f"--timeout takes seconds > 0, not {args.timeout:g}")
    if not 128 <= args.memory <= 10240:
        parser.error(f"--memory takes 128 to 10240 (MB, as Lambda does), not {args.memory}")
    try:
        socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        parser.error(
            f"--host {args.host!r} is not an address to listen on ({exc}); "
            "use 127.0.0.1, ::1 or 0.0.0.0"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """The ``hatchway`` command; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(arguments)
    if args.command != "serve":
        parser.print_help()
        return 2
    return _serve(parser, args, arguments)


def _adapter_options(args: argparse.Namespace, base_path: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name in ("interface", "lifespan", "strip_stage", "errors", "startup"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if args.streaming:
        options["streaming"] = [args.source]
    if args.text_mime_type:
        options["text_mime_types"] = list(args.text_mime_type)
    if args.exclude_header:
        options["exclude_headers"] = list(args.exclude_header)
    if args.warmup:
        options["warmup"] = list(args.warmup)
    if base_path:
        options["base_path"] = base_path
    return options


def _serve(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: list[str]) -> int:
    console = Console()
    _check_combinations(parser, args)
    if args.max_concurrency is None and args.runtime != "inprocess":
        args.max_concurrency = _int_or_none(os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY"))
    base_path = "/" + args.base_path.strip("/") if args.base_path.strip("/") else ""
    media_types = None
    if args.binary_media_types is not None:
        media_types = [t.strip() for t in args.binary_media_types.split(",") if t.strip()]
    try:
        target = Target(args.target)
        choice = GatewayChoice(
            args.source, stage=args.stage, base_path=base_path, binary_media_types=media_types
        )
    except ValueError as exc:
        parser.error(str(exc))
    if importlib.util.find_spec("werkzeug") is None:
        parser.error(f"hatchway serve needs werkzeug; {_INSTALL_HINT}")
    if args.runtime == "ric" and importlib.util.find_spec("awslambdaric") is None:
        parser.error(f"--runtime ric needs awslambdaric; {_INSTALL_HINT}")
    adapter_options = _adapter_options(args, base_path)

    if args.reload:
        from .reload import Reloader

        port = args.port or _free_port(args.host)
        serve_args = child_arguments(argv[argv.index("serve") + 1 :], port)
        return Reloader(serve_args, [target.root, os.getcwd()], console).run()

    runtime: Runtime
    if args.runtime in ("ric", "hatchway"):
        from .ric import HatchwayRuntime, RicRuntime

        launcher = HatchwayRuntime if args.runtime == "hatchway" else RicRuntime
        runtime = launcher(
            target,
            console,
            kind=args.kind,
            adapter_options=adapter_options,
            timeout=args.timeout,
            memory_mb=args.memory,
            max_concurrency=args.max_concurrency,
            snapstart=args.snapstart,
        )
    else:
        from .inprocess import InProcessRuntime

        runtime = InProcessRuntime(
            target,
            kind=args.kind,
            adapter_options=adapter_options,
            timeout=args.timeout,
            memory_mb=args.memory,
            console=console,
        )

    from .server import LocalGateway, make_server

    app = LocalGateway(choice, runtime, console, show_events=args.show_events)
    try:
        server = make_server(args.host, args.port, app)
    except OSError as exc:
        console.failure(f"cannot listen on {args.host}:{args.port}: {exc}")
        return 1
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            runtime.start()
        except FunctionError as error:
            console.failure(
                "the function failed to initialise (each request tries again)", error.describe()
            )
        host = f"[{args.host}]" if ":" in args.host else args.host
        console.say(
            f"hatchway serve: http://{host}:{server.server_port}{choice.prefix}/\n"
            f"  source:  {choice.describe()}\n"
            f"  target:  {target.text}\n"
            f"  runtime: {runtime.description}\n"
            "  Ctrl+C stops the server."
        )
        server.serve_forever()  # returns on Ctrl+C (werkzeug catches KeyboardInterrupt)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl+C or SIGTERM must not cut the clean-up short: it
        # would leave the runtime's folder (and processes) behind.
        previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            server.server_close()
            runtime.close()
        finally:
            signal.signal(signal.SIGINT, previous_int)
            signal.signal(signal.SIGTERM, previous)
    return 0


def child_arguments(serve_args: Sequence[str], port: int) -> list[str]:
    """The ``serve`` arguments for the ``--reload`` child: the same, without
    ``--reload`` and with ``--port PORT`` once (argparse takes ``--po`` for
    ``--port`` too)."""
    out: list[str] = []
    skip_value = False
    for argument in serve_args:
        if skip_value:
            skip_value = False
            continue
        name, equals, _ = argument.partition("=")
        if len(name) >= 3 and "--port".startswith(name):
            skip_value = not equals
            continue
        if len(name) >= 4 and "--reload".startswith(name) and not equals:
            continue
        out.append(argument)
    return [*out, "--port", str(port)]


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt

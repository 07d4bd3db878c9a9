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
        default=_int_or_none(os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY")),
        help="with --runtime ric or hatchway: forked runtime workers "
        "(default: $AWS_LAMBDA_MAX_CONCURRENCY, else one process)",
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
    adapter.add_argument("--interface", choices=("auto", "asgi", "wsgi"))
    adapter.add_argument("--lifespan", choices=("auto", "on", "off"))
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
        help="stream responses of Function URL events (with --runtime hatchway)",
    )
    adapter.add_argument(
        "--errors",
        choices=("respond", "raise"),
        help="answer app errors with 500 (respond) or fail the invocation (raise)",
    )
    return parser


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


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
    for name in ("interface", "lifespan", "strip_stage", "errors", "streaming"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if args.text_mime_type:
        options["text_mime_types"] = list(args.text_mime_type)
    if args.exclude_header:
        options["exclude_headers"] = list(args.exclude_header)
    if base_path:
        options["base_path"] = base_path
    return options


def _serve(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: list[str]) -> int:
    console = Console()
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
        serve_args = [a for a in argv[argv.index("serve") + 1 :] if a != "--reload"]
        return Reloader(
            [*serve_args, "--port", str(port)], [target.root, os.getcwd()], console
        ).run()

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
        )
    else:
        from .inprocess import InProcessRuntime

        runtime = InProcessRuntime(
            target,
            kind=args.kind,
            adapter_options=adapter_options,
            timeout=args.timeout,
            memory_mb=args.memory,
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


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt

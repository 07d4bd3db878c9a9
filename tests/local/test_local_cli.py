"""`hatchway serve` refuses, before starting anything, what cannot work:
a misspelt or out-of-range value, combinations of options that would be
silently ignored, an address that is none; and `--reload` exits as the
server would when the server cannot start."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import pytest

from hatchway.local.cli import child_arguments, main
from helpers.local_process import ROOT, target

pytest.importorskip("werkzeug")

APP = target("asgi_app.py") + ":app"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--streaming"], "--streaming needs --runtime hatchway"),
        (["--streaming", "--runtime", "ric"], "--streaming needs --runtime hatchway"),
        (
            ["--streaming", "--runtime", "hatchway", "--source", "alb"],
            "--streaming: alb cannot stream responses; use --source",
        ),
        (["--streaming", "--runtime", "hatchway"], "apigw-http cannot stream"),
        (["--max-concurrency", "4"], "--max-concurrency applies to --runtime ric or hatchway"),
        (["--max-concurrency", "0", "--runtime", "ric"], "workers >= 1, not 0"),
        (["--host", "256.1.1.1"], "--host '256.1.1.1' is not an address to listen on"),
        (["--port", "70000"], "--port takes 0 to 65535, not 70000"),
        (["--timeout", "0"], "--timeout takes seconds > 0, not 0"),
        (["--memory", "64"], "--memory takes 128 to 10240"),
        (["--source", "apigw_http"], "invalid choice: 'apigw_http' (choose from"),
        (["--runtime", "aws"], "invalid choice: 'aws' (choose from"),
    ],
)
def test_refused_at_start_up_naming_what_works(args, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["serve", APP, *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_max_concurrency_from_the_environment_is_not_an_error_in_process(monkeypatch):
    """The variable may be set for other reasons; only the flag is refused."""
    from hatchway.local import cli

    monkeypatch.setenv("AWS_LAMBDA_MAX_CONCURRENCY", "4")
    args = cli.build_parser().parse_args(["serve", APP])
    assert args.max_concurrency is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([APP, "--reload"], [APP]),
        ([APP, "--port", "8000", "--reload"], [APP]),
        ([APP, "--port=8000", "--reload", "--stage", "dev"], [APP, "--stage", "dev"]),
        ([APP, "--po", "8000", "--relo"], [APP]),
        ([APP, "--source", "alb", "--reload", "--p", "1"], [APP, "--source", "alb"]),
    ],
)
def test_the_reload_child_gets_one_port(given, expected):
    assert child_arguments(given, 8123) == [*expected, "--port", "8123"]


@pytest.mark.parametrize("reload", [[], ["--reload"]], ids=["plain", "reload"])
@pytest.mark.subprocess
def test_port_taken_exits_with_status_1(reload):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "hatchway", "serve", APP, "--port", str(port), *reload],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert "in use" in done.stderr
    assert done.stderr.count("in use by another program") == 1


def _documented_options() -> dict[str, str]:
    """Each row of the options table in docs/local-development.md: option, meaning."""
    text = (ROOT / "docs" / "local-development.md").read_text(encoding="utf-8")
    table = text.split("| option | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.strip().splitlines()[1:]:
        name, meaning = (cell.strip() for cell in line.strip("|").split("|", 1))
        rows[name.strip("`")] = meaning
    return rows


def test_the_options_table_matches_the_parser(capsys):
    """Every option of `hatchway serve --help` has its row, and every choice
    it offers is named there; nothing else is in the table."""
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    helped = capsys.readouterr().out.split("options:", 1)[1]
    options = {
        found.group(1): (found.group(2) or "").split(",")
        for found in re.finditer(r"^  (--[a-z-]+)(?: \{([^}]*)\})?", helped, re.MULTILINE)
        if found.group(1) != "--help"
    }
    documented = _documented_options()
    assert sorted(documented) == sorted(options)
    for name, choices in options.items():
        for choice in filter(None, choices):
            assert f"`{choice}`" in documented[name], f"{name}: {choice} is not documented"

"""The deployable examples: every SAM template passes cfn-lint, and every
handler answers a request through the event its template wires up.

Each example runs in its own interpreter, as in its own Lambda function:
examples configure process-wide things (Django settings, Powertools) that
must not leak into the rest of the suite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TEMPLATES = sorted(EXAMPLES.glob("*/template.yaml"))

#: Example folder -> the modules its handler needs, and what its index answers.
HANDLERS = {
    "bottle": (("bottle",), "Hello from Bottle"),
    "container": (("flask",), "Hello from a container image"),
    "django": (("django",), "Hello from Django"),
    "falcon": (("falcon",), "Hello from Falcon"),
    "fastapi": (("fastapi",), "Hello from FastAPI"),
    "flask": (("flask",), "Hello from Flask"),
    "litestar": (("litestar",), "Hello from Litestar"),
    "powertools": (("fastapi", "aws_lambda_powertools", "aws_xray_sdk"), "with Powertools"),
    "pyramid": (("pyramid",), "Hello from Pyramid"),
    "quart": (("quart",), "Hello from Quart"),
    "starlette": (("starlette",), "Hello from Starlette"),
    "streaming": (("fastapi",), "Hello from a streaming FastAPI app"),
}

# Runs inside the example's own interpreter: one request per source through
# the handler, on the URL that source's clients use; the responses as JSON.
_INVOKE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from hatchway.testing import LambdaContext, build_event, read_response
import handler

answers = {}
for source, url, options in json.loads(sys.argv[2]):
    event = build_event(source, "GET", url, **options)
    result = handler.handler(event, LambdaContext(function_name="example"))
    response = read_response(source, result, **options)
    answers[source] = {"status": response.status, "body": response.body.decode()}
print(json.dumps(answers))
"""

#: Each event type the templates wire up, as (source, URL, gateway options):
#: the HttpApi's default stage, the REST API's Prod stage on its execute-api
#: URL, the Function URL, the ALB.
_REQUESTS = [
    ("apigw-http", "/", {}),
    ("apigw-rest", "/Prod/", {"stage": "Prod", "stage_in_url": True}),
    ("function-url", "https://abc123.lambda-url.us-east-1.on.aws/", {}),
    ("alb", "/", {"multi_value": True}),
]


@pytest.fixture(scope="module")
def lint_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """cfn-lint's findings per template, all linted in one run (it loads slowly);
    ``"broken"`` is a copy of one template with a runtime AWS retired long ago."""
    pytest.importorskip("cfnlint", reason="cfn-lint is not installed (hatchway[templates])")
    pytest.importorskip("samtranslator", reason="aws-sam-translator is not installed")
    from cfnlint.api import ManualArgs, lint_by_config

    broken = tmp_path_factory.mktemp("broken") / "template.yaml"
    source = (EXAMPLES / "flask" / "template.yaml").read_text()
    broken.write_text(source.replace("python3.13", "python2.7"))
    names = {str(t): t.parent.name for t in TEMPLATES}
    names[str(broken)] = "broken"
    results: dict[str, list[str]] = {name: [] for name in names.values()}
    for match in lint_by_config(ManualArgs(templates=list(names))):
        results[names[str(match.filename)]].append(
            f"{match.rule.id} {match.message} (line {match.linenumber})"
        )
    return results


def test_every_example_has_a_template_and_a_handler() -> None:
    folders = {p.name for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert folders == set(HANDLERS)
    assert {t.parent.name for t in TEMPLATES} == folders
    for folder in folders:
        assert (EXAMPLES / folder / "handler.py").is_file()
        assert "hatchway" in (EXAMPLES / folder / "requirements.txt").read_text().split()


@pytest.mark.parametrize("example", [t.parent.name for t in TEMPLATES])
def test_template_passes_cfn_lint(lint_results: dict[str, list[str]], example: str) -> None:
    assert lint_results[example] == []


def test_cfn_lint_catches_a_broken_template(lint_results: dict[str, list[str]]) -> None:
    # The lint above must be able to fail.
    assert any(problem.startswith("E2533") for problem in lint_results["broken"])


#: Examples smoke-tested in the quick run; the rest carry the full_matrix marker.
QUICK = ("django", "fastapi", "flask", "powertools")


@pytest.mark.parametrize(
    "example",
    [
        pytest.param(name, marks=() if name in QUICK else (pytest.mark.full_matrix,))
        for name in sorted(HANDLERS)
    ],
)
def test_example_handler_answers(example: str) -> None:
    modules, message = HANDLERS[example]
    for module in modules:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")
    requests = [r for r in _REQUESTS if example != "container" or r[0] in TEMPLATE_SOURCES]
    environment = dict(os.environ, POWERTOOLS_TRACE_DISABLED="true", AWS_REGION="us-east-1")
    completed = subprocess.run(
        [sys.executable, "-c", _INVOKE, str(EXAMPLES / example), json.dumps(requests)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    answers = json.loads(completed.stdout.strip().splitlines()[-1])
    assert set(answers) == {source for source, _, _ in requests}
    for source, _url, options in requests:
        answer = answers[source]
        assert answer["status"] == 200, (source, answer)
        body = json.loads(answer["body"])
        assert message in body["message"], (source, body)
        if "self" in body:
            # The app's own URL carries the REST stage it is mounted under.
            stage = options.get("stage")
            assert body["self"].rstrip("/").endswith(f"/{stage}" if stage else ""), body
    if example == "powertools":
        # Logger.inject_lambda_context wrote structured lines with the request's context.
        lines = [json.loads(x) for x in completed.stdout.splitlines() if x.startswith('{"level')]
        assert any(line.get("function_name") == "example" for line in lines), completed.stdout


#: The container example wires only an HTTP API and a Function URL.
TEMPLATE_SOURCES = ("apigw-http", "function-url")

"""The app must route exactly the path API Gateway
routed (and authorized), never one with a stage segment removed that AWS did
not put there, nor one with a stage segment AWS did put there left in.

Each row is one client URL, delivered as AWS delivers it:

- REST on the API's ``execute-api`` domain: ``path`` without the stage,
  ``requestContext.path`` with it; on a custom domain both are the client's
  path (the gist and Powertools captures in the report; the samples in
  ``aws-events/apigw-rest`` show ``/iam`` vs ``/prod/iam``).
- HTTP API (payload 2.0 and 1.0): a named stage leads ``rawPath``/``path`` on
  the ``execute-api`` domain only; a custom domain's URL never holds the stage
  ("rawPath won't provide the API mapping value", AWS, HTTP API Lambda
  integrations; ``aws-events/apigw-http/...with_stage_in_path.json``).

The attack in each: the client's own path starts with the stage name
(``/prod/prod/users`` on execute-api, ``/prod/users`` on a custom domain),
where API Gateway routed ``/prod/users`` (an open ``/{proxy+}``) and the app's
``/users`` is the route behind an authorizer. Or the stage is named like a
protected prefix (``admin``): ``/admin/users`` on execute-api was routed as
``/users`` and must not reach the app's ``/admin/users``.
"""

from __future__ import annotations

from typing import Any

import pytest

from helpers import SAMPLES, load
from helpers.mapping import through_both

EXECUTE_API = "abc123.execute-api.eu-west-1.amazonaws.com"
CUSTOM = "api.example.com"


def rest_event(stage: str, url_path: str, domain: str) -> dict[str, Any]:
    """A REST API event for a client URL path (what the client typed after the domain)."""
    on_execute_api = domain == EXECUTE_API
    path = url_path[len(stage) + 1 :] or "/" if on_execute_api else url_path
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": "GET",
        "headers": {"Host": domain},
        "multiValueHeaders": {"Host": [domain]},
        "requestContext": {
            "stage": stage,
            "path": url_path,
            "domainName": domain,
            "identity": {"sourceIp": "203.0.113.9"},
        },
    }


def http_v2_event(stage: str, url_path: str, domain: str) -> dict[str, Any]:
    # rawPath is the URL path as the client sent it (no API mapping here).
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": url_path,
        "rawQueryString": "",
        "headers": {"host": domain},
        "requestContext": {
            "domainName": domain,
            "http": {"method": "GET", "path": url_path, "sourceIp": "203.0.113.9"},
            "stage": stage,
        },
    }


def http_v1_event(stage: str, url_path: str, domain: str) -> dict[str, Any]:
    return {
        "version": "1.0",
        "resource": "/{proxy+}",
        "path": url_path,
        "httpMethod": "GET",
        "headers": {"host": domain},
        "multiValueHeaders": {"host": [domain]},
        "requestContext": {
            "stage": stage,
            "path": url_path,
            "domainName": domain,
            "identity": {"sourceIp": "203.0.113.9"},
        },
    }


SOURCES = {"rest": rest_event, "http-v2": http_v2_event, "http-v1.0": http_v1_event}
DOMAINS = {"execute-api": EXECUTE_API, "custom-domain": CUSTOM}


def rows() -> list[Any]:
    params = []
    for stage in ("prod", "admin"):
        for source in SOURCES:
            for domain in DOMAINS:
                for starts_with_stage in (True, False):
                    for strip_stage in (False, True):
                        # What the client wants below the mount point, i.e. what
                        # API Gateway routed: it may itself begin with the stage.
                        routed = f"/{stage}/users" if starts_with_stage else "/users"
                        params.append(
                            pytest.param(
                                stage,
                                source,
                                domain,
                                routed,
                                strip_stage,
                                id=f"{source}-{domain}-stage={stage}-"
                                f"{'path-repeats-stage' if starts_with_stage else 'plain-path'}-"
                                f"strip_stage={'on' if strip_stage else 'off'}",
                            )
                        )
    return params


@pytest.mark.parametrize(("stage", "source", "domain", "routed", "strip_stage"), rows())
def test_stage_prefix_attack_routes_where_api_gateway_routed(
    stage: str, source: str, domain: str, routed: str, strip_stage: bool
) -> None:
    on_execute_api = domain == "execute-api"
    url_path = f"/{stage}{routed}" if on_execute_api else routed
    event = SOURCES[source](stage, url_path, DOMAINS[domain])

    seen = through_both(event, strip_stage=strip_stage)

    mount = f"/{stage}" if on_execute_api and not strip_stage else ""
    assert seen.root_path == mount
    assert seen.path == mount + routed
    # The path the app's router matches (ASGI: path below root_path; WSGI: PATH_INFO).
    assert seen.path[len(seen.root_path) :] == routed
    assert seen.environ["PATH_INFO"] == routed
    assert seen.environ["SCRIPT_NAME"] == mount


def test_http_api_sample_with_named_stage_mounts_it() -> None:
    name = "aws-lambda-rust-runtime__apigw_v2_proxy_request_with_stage_in_path.json"
    path = SAMPLES / "apigw-http" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    seen = through_both(load(path))
    assert (seen.root_path, seen.path) == ("/Prod", "/Prod/my/path")


def test_rest_samples_mount_the_stage_from_requestcontext_path() -> None:
    path = SAMPLES / "apigw-rest" / "powertools-lambda-typescript__apigw-rest_no-auth.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    event = load(path)
    seen = through_both(event)
    assert (seen.root_path, seen.path) == ("/prod", "/prod/no-auth")
    # The same event for the URL /prod/prod/no-auth: the stage once, the rest the client's.
    event["path"] = "/prod/no-auth"
    event["requestContext"]["path"] = "/prod/prod/no-auth"
    seen = through_both(event)
    assert (seen.root_path, seen.path) == ("/prod", "/prod/prod/no-auth")


def _starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def protected(request: Any) -> PlainTextResponse:
        return PlainTextResponse("protected")

    async def public(request: Any) -> PlainTextResponse:
        return PlainTextResponse("public")

    return Starlette(routes=[Route("/users", protected), Route("/{rest:path}", public)])


def _flask_app() -> Any:
    import flask

    app = flask.Flask("stage_paths")
    app.add_url_rule("/users", "protected", lambda: "protected")
    app.add_url_rule("/<path:rest>", "public", lambda rest: "public")
    return app


@pytest.mark.parametrize("make_app", [_starlette_app, _flask_app], ids=["starlette", "flask"])
@pytest.mark.parametrize("strip_stage", [False, True], ids=["strip_stage=off", "strip_stage=on"])
@pytest.mark.parametrize(
    "event",
    [
        rest_event("prod", "/prod/prod/users", EXECUTE_API),
        http_v2_event("prod", "/prod/users", CUSTOM),
        http_v1_event("prod", "/prod/users", CUSTOM),
    ],
    ids=["rest-execute-api-/prod/prod/users", "http-v2-custom-/prod/users", "http-v1.0-custom"],
)
def test_stage_prefix_attacks_reach_the_public_route_in_real_frameworks(
    event: dict[str, Any], strip_stage: bool, make_app: Any
) -> None:
    from hatchway import Adapter
    from helpers import Context

    result = Adapter(make_app(), strip_stage=strip_stage, lifespan="off")(event, Context())
    assert result["statusCode"] == 200
    assert result["body"] == "public"

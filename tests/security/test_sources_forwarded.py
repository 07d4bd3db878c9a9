"""Scheme, port and client IP
come only from what the AWS service in front sets, never from headers a
client can send through it.

AWS facts (checked in the docs):
- "HTTP targets in VPC Lattice": Lattice adds ``x-forwarded-for`` (source
  IP), ``x-forwarded-for-port`` (destination port) and
  ``x-forwarded-for-proto`` (``http``|``https``). It sets no
  X-Forwarded-Proto or X-Forwarded-Port: a caller's pass through.
- CloudFront adds no X-Forwarded-Port; before the viewer-request trigger every
  header is the viewer's.
- "HTTP headers and Application Load Balancers": the ALB appends the client
  address to X-Forwarded-For; with client port preservation the entry carries
  the client's source port.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hatchway.testing import build_event
from helpers.mapping import through_both

LATTICE_V2: dict[str, Any] = {
    "version": "2.0",
    "path": "/items",
    "method": "GET",
    "headers": {"host": ["svc-1.abc.vpc-lattice-svcs.eu-west-1.on.aws"]},
    "requestContext": {
        "serviceArn": "arn:aws:vpc-lattice:eu-west-1:123456789012:service/svc-1",
        "targetGroupArn": "arn:aws:vpc-lattice:eu-west-1:123456789012:targetgroup/tg-1",
    },
}
LATTICE_V1: dict[str, Any] = {
    "raw_path": "/items",
    "method": "GET",
    "headers": {"host": "svc-1.abc.vpc-lattice-svcs.eu-west-1.on.aws"},
}


def lattice(version: str, headers: dict[str, str]) -> dict[str, Any]:
    event = copy.deepcopy(LATTICE_V2 if version == "v2" else LATTICE_V1)
    for name, value in headers.items():
        event["headers"][name] = [value] if version == "v2" else value
    return event


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_lattice_caller_cannot_downgrade_scheme_with_x_forwarded_proto(version: str) -> None:
    event = lattice(
        version,
        {
            "x-forwarded-proto": "http",  # the caller's
            "x-forwarded-port": "8080",  # the caller's
            "x-forwarded-for-proto": "https",  # Lattice's
            "x-forwarded-for-port": "443",  # Lattice's
        },
    )
    seen = through_both(event)
    assert seen.scheme == "https"
    assert seen.server[1] == 443
    # What Django's request.is_secure() and Flask's url_for(_external) read.
    assert seen.environ["wsgi.url_scheme"] == "https"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_lattice_http_listener_is_read_from_lattice_headers(version: str) -> None:
    event = lattice(version, {"x-forwarded-for-proto": "http", "x-forwarded-for-port": "8080"})
    seen = through_both(event)
    assert (seen.scheme, seen.server[1]) == ("http", 8080)


def test_lattice_caller_x_forwarded_proto_alone_changes_nothing() -> None:
    seen = through_both(lattice("v2", {"x-forwarded-proto": "http", "x-forwarded-port": "80"}))
    assert (seen.scheme, seen.server[1]) == ("https", 443)


def test_lattice_gateway_model_sends_what_lattice_sends() -> None:
    event = build_event(
        "vpc-lattice",
        "GET",
        "https://svc.example/items",
        headers={"X-Forwarded-Proto": "http", "X-Forwarded-Port": "80"},
    )
    headers = event["headers"]
    assert headers["x-forwarded-for-proto"] == ["https"]
    assert headers["x-forwarded-for-port"] == ["443"]
    # A caller's X-Forwarded-Proto passes through untouched, as Lattice does.
    assert headers["x-forwarded-proto"] == ["http"]
    seen = through_both(event)
    assert (seen.scheme, seen.server[1]) == ("https", 443)


def edge_event(trigger: str, headers: dict[str, str]) -> dict[str, Any]:
    cf_headers = {"host": [{"key": "Host", "value": "d111111abcdef8.cloudfront.net"}]}
    for name, value in headers.items():
        cf_headers[name.lower()] = [{"key": name, "value": value}]
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": "d111111abcdef8.cloudfront.net",
                        "eventType": trigger,
                    },
                    "request": {
                        "clientIp": "203.0.113.178",
                        "headers": cf_headers,
                        "method": "GET",
                        "querystring": "",
                        "uri": "/items",
                    },
                }
            }
        ]
    }


@pytest.mark.parametrize("trigger", ["viewer-request", "origin-request"])
def test_edge_viewer_cannot_set_the_port_with_x_forwarded_port(trigger: str) -> None:
    event = edge_event(trigger, {"X-Forwarded-Port": "8443", "X-Forwarded-Proto": "http"})
    seen = through_both(event)
    assert (seen.scheme, seen.server) == ("https", ("d111111abcdef8.cloudfront.net", 443))


ALB: dict[str, Any] = {
    "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:x"}},
    "httpMethod": "GET",
    "path": "/",
    "headers": {"host": "alb.example", "x-forwarded-proto": "https", "x-forwarded-port": "443"},
}


@pytest.mark.parametrize(
    ("chain", "client"),
    [
        ("6.6.6.6, 203.0.113.9:51234", ("203.0.113.9", 51234)),
        ("203.0.113.9:51234", ("203.0.113.9", 51234)),
        ("6.6.6.6, [2001:db8::1]:51234", ("2001:db8::1", 51234)),
        ("6.6.6.6, 2001:db8::1", ("2001:db8::1", 0)),
        ("6.6.6.6, 203.0.113.9", ("203.0.113.9", 0)),
    ],
    ids=["v4-port", "v4-port-alone", "v6-port", "v6-no-port", "v4-no-port"],
)
def test_alb_client_port_option_gives_a_clean_client_ip(
    chain: str, client: tuple[str, int]
) -> None:
    event = copy.deepcopy(ALB)
    event["headers"]["x-forwarded-for"] = chain
    seen = through_both(event)
    assert seen.client == client
    assert seen.environ["REMOTE_ADDR"] == client[0]

"""Event sources: one module per event format, each recognising, parsing and
rendering its own events. See :class:`~hatchway.sources.base.Source`."""

from __future__ import annotations

from .alb import Alb
from .apigw_http import ApiGatewayHttp, FunctionUrl
from .apigw_rest import ApiGatewayRest
from .base import Event, Gateway, Source, SourceOptions
from .lambda_edge import LambdaEdge
from .vpc_lattice import VpcLattice

__all__ = [
    "BUILTIN_SOURCES",
    "Alb",
    "ApiGatewayHttp",
    "ApiGatewayRest",
    "Event",
    "FunctionUrl",
    "Gateway",
    "LambdaEdge",
    "Source",
    "SourceOptions",
    "VpcLattice",
    "builtin_gateway",
    "gateway_names",
]

#: The built-in sources, the most common events first: the Adapter tries them
#: in this order. Their ``matches`` are mutually exclusive, so the order
#: decides nothing but how soon an event is recognised. An event that looks
#: like two of them (hand-made, never from AWS) belongs to the first of
#: Lambda@Edge, ALB, Function URL, HTTP API, REST API, VPC Lattice; the
#: others refuse it (tests/test_source_exclusive.py).
BUILTIN_SOURCES: tuple[Source, ...] = (
    ApiGatewayHttp(),
    ApiGatewayRest(),
    FunctionUrl(),
    Alb(),
    LambdaEdge(),
    VpcLattice(),
)


def gateway_names() -> tuple[str, ...]:
    """The names of the built-in sources that can also play their gateway
    (build the events it sends, read responses back as it does)."""
    return tuple(s.name for s in BUILTIN_SOURCES if isinstance(s, Gateway))


def builtin_gateway(name: str) -> Gateway:
    """The gateway side of the built-in source named ``name``."""
    for source in BUILTIN_SOURCES:
        if source.name == name and isinstance(source, Gateway):
            return source
    raise ValueError(f"unknown source {name!r}; choose one of {', '.join(gateway_names())}")

"""Event sources: one module per event format, each recognising, parsing and
rendering its own events. See :class:`~hatchway.sources.base.Source`."""

from __future__ import annotations

from .alb import Alb
from .apigw_http import ApiGatewayHttp, FunctionUrl
from .apigw_rest import ApiGatewayRest
from .base import Event, Source, SourceOptions
from .lambda_edge import LambdaEdge
from .vpc_lattice import VpcLattice

__all__ = [
    "BUILTIN_SOURCES",
    "Alb",
    "ApiGatewayHttp",
    "ApiGatewayRest",
    "Event",
    "FunctionUrl",
    "LambdaEdge",
    "Source",
    "SourceOptions",
    "VpcLattice",
]

#: The built-in sources in the order events are tested against them: the most
#: specific checks first (a Function URL event would also pass the HTTP API test).
BUILTIN_SOURCES: tuple[Source, ...] = (
    LambdaEdge(),
    Alb(),
    FunctionUrl(),
    ApiGatewayHttp(),
    ApiGatewayRest(),
    VpcLattice(),
)

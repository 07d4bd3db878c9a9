"""What each gateway answers by itself when the function cannot answer.

The sources' gateway direction covers the answers that depend on the event
or the response dict (a URL outside the stage, a malformed dict). This table
adds the ones that depend on the invocation: the function failed (it raised,
its runtime crashed, it timed out), or a payload is over a size limit.

Limits: Lambda's synchronous invoke takes at most
:data:`~hatchway.limits.SYNC_INVOKE_LIMIT` bytes of event and of result; a
load balancer forwards at most 1 MB of request body and accepts at most 1 MB
of response JSON (413 and 502); Lambda@Edge generated responses are capped at
1 MB (origin-request; viewer-request allows 40 KB). Where a source module
already knows a limit or an error page, the table takes it from there. The
statuses for oversize payloads on API Gateway, Function URLs and VPC Lattice
are unverified.
"""

from __future__ import annotations

from ..http import Response
from ..limits import SYNC_INVOKE_LIMIT
from ..sources import alb, apigw_http, apigw_rest, lambda_edge

__all__ = ["Refusals", "refusals_for"]

_JSON = [("content-type", "application/json")]
_HTML = [("content-type", "text/html")]
_TEXT = [("content-type", "text/plain")]


class Refusals:
    """One gateway's own answers, and the payload sizes it lets through."""

    __slots__ = ("_failed", "_too_large", "request_body_limit", "result_limit")

    def __init__(
        self,
        *,
        failed: tuple[int, list[tuple[str, str]], bytes],
        too_large: tuple[int, list[tuple[str, str]], bytes],
        request_body_limit: int = SYNC_INVOKE_LIMIT,
        result_limit: int = SYNC_INVOKE_LIMIT,
    ) -> None:
        self._failed = failed
        self._too_large = too_large
        #: Largest request body the gateway forwards (the event is checked too).
        self.request_body_limit = request_body_limit
        #: Largest response JSON the gateway accepts from the function.
        self.result_limit = result_limit

    def function_failed(self) -> Response:
        """The answer when the invocation failed: an error, a crash, a time-out,
        or a result over :attr:`result_limit`."""
        status, headers, body = self._failed
        return Response(status, list(headers), body)

    def request_too_large(self) -> Response:
        """The answer when the request body or the event is over the limit."""
        status, headers, body = self._too_large
        return Response(status, list(headers), body)


_API_TOO_LARGE = (413, _JSON, b'{"message":"Request Too Long"}')

_REFUSALS = {
    # Lambda proxy integration: a function error is a 502 with this body.
    "apigw-rest": Refusals(
        failed=(502, _JSON, apigw_rest.FUNCTION_ERROR_BODY), too_large=_API_TOO_LARGE
    ),
    # HTTP APIs answer a failed Lambda integration with 500.
    "apigw-http": Refusals(
        failed=(500, _JSON, apigw_http.FUNCTION_ERROR_BODY), too_large=_API_TOO_LARGE
    ),
    "function-url": Refusals(
        failed=(502, _JSON, apigw_http.FUNCTION_ERROR_BODY), too_large=_API_TOO_LARGE
    ),
    "alb": Refusals(
        failed=(502, _HTML, alb.error_page(502)),
        too_large=(413, _HTML, alb.error_page(413)),
        request_body_limit=alb.REQUEST_BODY_LIMIT,
        result_limit=alb.RESPONSE_LIMIT,
    ),
    # CloudFront: 503 for a function execution error (502 is for invalid responses).
    "lambda-edge": Refusals(
        failed=(503, _HTML, b"<html><body><h1>503 ERROR</h1>LambdaExecutionError</body></html>"),
        too_large=(413, _HTML, b"<html><body><h1>413 ERROR</h1></body></html>"),
        result_limit=lambda_edge.RESPONSE_LIMITS["origin-request"],
    ),
    "vpc-lattice": Refusals(
        failed=(502, _TEXT, b"Bad Gateway"), too_large=(413, _TEXT, b"Payload Too Large")
    ),
}


def refusals_for(source: str) -> Refusals:
    """The answers of the gateway named ``source`` (a source name, ``alb`` for both ALB modes)."""
    try:
        return _REFUSALS[source]
    except KeyError:
        raise ValueError(f"no gateway answers known for source {source!r}") from None

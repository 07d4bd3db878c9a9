"""What each gateway answers by itself when the function cannot answer.

The sources' gateway direction covers the answers that depend on the event
or the response dict (a URL outside the stage, a malformed dict). This table
adds the ones that depend on the invocation: the function failed (it raised,
its runtime crashed, it timed out), or a payload is over a size limit.

Limits: Lambda's synchronous invoke takes at most 6 MB of event and returns
at most 6 MB of result (its error messages name 6291556 bytes); a load
balancer forwards at most 1 MB of request body and accepts at most 1 MB of
response JSON (ELB documentation: 413 and 502); Lambda@Edge generated
responses are capped at 1 MB (origin-request; viewer-request allows 40 KB).
The error bodies follow each gateway's own style; the statuses for oversize
payloads on API Gateway, Function URLs and VPC Lattice are UNVERIFIED.
"""

from __future__ import annotations

from ..http import Response

__all__ = ["LAMBDA_PAYLOAD_LIMIT", "Refusals", "refusals_for"]

#: Bytes of event, and of result, a synchronous Lambda invoke accepts.
LAMBDA_PAYLOAD_LIMIT = 6_291_556
_MB = 1024 * 1024

_JSON = [("content-type", "application/json")]
_HTML = [("content-type", "text/html")]
_TEXT = [("content-type", "text/plain")]
_ALB_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
_ALB_413 = (
    b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
    b"<center><h1>413 Request Entity Too Large</h1></center>\r\n</body>\r\n</html>\r\n"
)


class Refusals:
    """One gateway's own answers, and the payload sizes it lets through."""

    __slots__ = ("_failed", "_too_large", "request_body_limit", "result_limit")

    def __init__(
        self,
        *,
        failed: tuple[int, list[tuple[str, str]], bytes],
        too_large: tuple[int, list[tuple[str, str]], bytes],
        request_body_limit: int = LAMBDA_PAYLOAD_LIMIT,
        result_limit: int = LAMBDA_PAYLOAD_LIMIT,
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
        failed=(502, _JSON, b'{"message": "Internal server error"}'), too_large=_API_TOO_LARGE
    ),
    # HTTP APIs answer a failed Lambda integration with 500.
    "apigw-http": Refusals(
        failed=(500, _JSON, b'{"message":"Internal Server Error"}'), too_large=_API_TOO_LARGE
    ),
    "function-url": Refusals(
        failed=(502, _JSON, b'{"message":"Internal Server Error"}'), too_large=_API_TOO_LARGE
    ),
    "alb": Refusals(
        failed=(502, _HTML, _ALB_502),
        too_large=(413, _HTML, _ALB_413),
        request_body_limit=_MB,
        result_limit=_MB,
    ),
    # CloudFront: 503 for a function execution error (502 is for invalid responses).
    "lambda-edge": Refusals(
        failed=(503, _HTML, b"<html><body><h1>503 ERROR</h1>LambdaExecutionError</body></html>"),
        too_large=(413, _HTML, b"<html><body><h1>413 ERROR</h1></body></html>"),
        result_limit=_MB,
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

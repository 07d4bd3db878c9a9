"""The doctor: one WARNING per environment for each set-up that fails silently.

Each warning has a stable code (``HW001``...) documented in
docs/errors-and-limits.md ("Doctor warnings") with its cause and fix, and is
logged on the ``hatchway.doctor`` logger once per Adapter (one per execution
environment), never per request. ``Adapter(doctor=False)`` turns it off.

The checks read only what is already at hand (the event, the request, the
rendered response) and stop looking once their warning fired; the ones whose
answer cannot change within an environment (a streaming set-up, a custom
domain's base path) look at the first request that can tell and never again.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._typing import TYPE_CHECKING
from .compression import event_header, rest_binary_evidence
from .limits import escapes_non_ascii, rendered_size
from .log import LazyLogger, request_id_of

if TYPE_CHECKING:
    from typing import Any

    from .http import Request
    from .sources.base import Source, SourceOptions

__all__ = ["CODES", "Doctor", "make_doctor"]

logger = LazyLogger("hatchway.doctor")

#: Every code and what it is about, in the order of the docs.
CODES = {
    "HW001": "a REST API delivered a binary request body as text: binary media types missing",
    "HW002": "a binary response reaches the REST API's client as base64 text",
    "HW003": "a response above 80% of its source's size limit",
    "HW004": "streaming= set, but the function runs where responses cannot stream",
    "HW005": "a request path outside the declared base_path",
    "HW006": "a REST API on a custom domain whose path shows an undeclared base path",
    "HW007": "the response carries Access-Control-Allow-Origin more than once",
}

#: HW003 fires above this share of the source's limit.
_NEAR_LIMIT = 0.8
#: A non-ASCII text body can grow at most this much when serialised (``\\uXXXX``).
_WORST_EXPANSION = 6


class Doctor:
    """The checks of one Adapter, and which of its warnings already fired."""

    __slots__ = ("base_path", "codec", "fired", "streaming")

    def __init__(self, options: SourceOptions, streaming: frozenset[str]) -> None:
        self.base_path = options.base_path
        self.codec = options.codec
        self.streaming = streaming
        #: Codes logged (or settled) in this environment.
        self.fired: set[str] = set()

    def warn(self, code: str, request: Request, context: Any, advice: str, *args: Any) -> None:
        """Log ``code`` once: what was seen, what to change, and the request."""
        self.fired.add(code)
        logger.warning(
            "%s: " + advice + " (%s %s, request id %s)",
            code,
            *args,
            request.method,
            request.path,
            request_id_of(context),
        )

    def check_request(self, source: Source, event: Any, request: Request, context: Any) -> None:
        """The checks a parsed request can answer (HW001, HW004, HW005, HW006)."""
        fired = self.fired
        name = source.name
        if self.streaming and "HW004" not in fired:
            self._check_streaming(name, request, context)
        if name == "apigw-rest":  # its events are mappings
            # Cheapest tests first: most requests have no body, and on the API's
            # own endpoint the stage is the mount point.
            if "HW001" not in fired and event.get("body"):
                self._check_rest_body(event, request, context)
            if "HW006" not in fired and request.root_path in ("", self.base_path):
                self._check_rest_base_path(event, request, context)
        if self.base_path and "HW005" not in fired:
            self._check_base_path(event, request, context)

    def check_response(
        self,
        source: Source,
        event: Any,
        request: Request,
        result: Any,
        limit: int,
        size: int | None,
        context: Any,
    ) -> None:
        """The checks a rendered response can answer (HW002, HW003, HW007);
        ``size``: its exact rendered size if the size guard counted it."""
        if not isinstance(result, dict):
            return
        fired = self.fired
        body = result.get("body")
        # Most bodies are far below: even at six bytes a character, under 40%
        # of the limit.
        if "HW003" not in fired and isinstance(body, str) and len(body) * 15 > limit:
            self._check_size(source, result, body, size, limit, request, context)
        if (
            result.get("isBase64Encoded") is True
            and "HW002" not in fired
            and source.name == "apigw-rest"
            and isinstance(event, Mapping)
            and rest_binary_evidence(event, self.codec) is False
        ):
            self.warn(
                "HW002",
                request,
                context,
                "a binary or compressed response went to a REST API whose binary media types "
                "do not match this request's Accept (%s): the client receives base64 text; "
                "add binary media types (*/* for a whole web app) to the API and redeploy",
                event_header(event, "accept") or "none",
            )
        if "HW007" not in fired:
            self._check_cors(result, request, context)

    # The checks, each reached only while its code has not fired.

    def _check_streaming(self, name: str, request: Request, context: Any) -> None:
        # A source that streams reaches the Adapter's buffered path only where
        # nothing streams it: hatchway's runtime loop and test transport hand
        # those events to the StreamingHandler instead.
        if name in self.streaming:
            self.warn(
                "HW004",
                request,
                context,
                "streaming= names %r, but this response was answered buffered: the function "
                "runs under a runtime that cannot stream (the managed Python runtime, "
                "awslambdaric); run it with python -m hatchway.runtime (docs/streaming.md)",
                name,
            )

    def _check_rest_body(self, event: Mapping[str, Any], request: Request, context: Any) -> None:
        body = event.get("body")
        if (
            event.get("isBase64Encoded") is True
            or not isinstance(body, str)
            or event.get("version") == "1.0"  # an HTTP API: no binary media types
        ):
            return
        content_type = event_header(event, "content-type")
        if content_type is None or self.codec.is_text_type(content_type):
            return
        if "\ufffd" in body:
            self.warn(
                "HW001",
                request,
                context,
                "a %s request body reached the function as text with invalid bytes replaced "
                "(U+FFFD): the REST API has no binary media type for it, and the app got a "
                "corrupted body; add %s (or */*) to the API's binary media types and redeploy",
                content_type,
                content_type.partition(";")[0].strip(),
            )

    def _check_rest_base_path(
        self, event: Mapping[str, Any], request: Request, context: Any
    ) -> None:
        domain = _domain(event)
        if domain is None or ".execute-api." in domain or event.get("version") == "1.0":
            return
        matched = _resource_path(event)
        if matched is None or matched == "/":
            return  # this request cannot tell; a later one may
        # Settled by the first request that can tell: the API mapping is the
        # same for every request of the deployment.
        self.fired.add("HW006")
        if not request.path.endswith(matched):
            return
        prefix = request.path[: len(request.path) - len(matched)]
        if not prefix.startswith("/") or prefix.endswith("/") or prefix == self.base_path:
            return
        self.warn(
            "HW006",
            request,
            context,
            "the REST API answers on the custom domain %s under the API mapping %s, which "
            "is not the declared base_path (%r): declare Adapter(base_path=%r), or the app "
            "sees %s as part of every route",
            domain,
            prefix,
            self.base_path,
            prefix,
            prefix,
        )

    def _check_base_path(self, event: Any, request: Request, context: Any) -> None:
        if request.root_path.endswith(self.base_path):
            return
        domain = _domain(event) if isinstance(event, Mapping) else None
        if domain is not None and ".execute-api." in domain:
            return  # the API's own endpoint: no API mapping, no base path
        self.warn(
            "HW005",
            request,
            context,
            "the request path is outside the declared base_path %s, so the app sees no "
            "mount point and its routes and links miss it: check the custom domain's API "
            "mapping and Adapter(base_path=...)",
            self.base_path,
        )

    def _check_size(
        self,
        source: Source,
        result: dict[str, Any],
        body: str,
        size: int | None,
        limit: int,
        request: Request,
        context: Any,
    ) -> None:
        threshold = int(limit * _NEAR_LIMIT)
        if size is None:  # the size guard's bound alone showed it within the limit
            base64 = result.get("isBase64Encoded") is True or result.get("bodyEncoding") == "base64"
            # Not worth a count when far below (an ASCII text grows past twice
            # its length only with control characters; str.isascii() reads a flag).
            growth = 1 if base64 else 2 if body.isascii() else _WORST_EXPANSION
            if len(body) * growth < threshold // 2:
                return
            size = rendered_size(result, escapes_non_ascii())
        if threshold < size <= limit:
            self.warn(
                "HW003",
                request,
                context,
                "the %s response is %d bytes, above 80%% of the %d-byte limit: larger "
                "ones will be answered 500; compress (Adapter(compress=True)), paginate, or "
                "serve large content from S3",
                source.name,
                size,
                limit,
            )

    def _check_cors(self, result: dict[str, Any], request: Request, context: Any) -> None:
        values: list[str] = []
        for field in ("headers", "multiValueHeaders"):
            headers = result.get(field)
            # Most responses have no such header at all: the scan runs in C.
            if not headers or not isinstance(headers, dict) or not _has_cors_origin(headers):
                continue
            for name, value in headers.items():
                if not isinstance(name, str) or name.lower() != _CORS_ORIGIN:
                    continue
                if isinstance(value, list):  # multiValueHeaders; Lambda@Edge's [{key, value}]
                    values.extend(v["value"] if isinstance(v, dict) else str(v) for v in value)
                else:
                    values.append(str(value))
        if len(values) > 1 or any("," in value for value in values):
            self.warn(
                "HW007",
                request,
                context,
                "the response carries Access-Control-Allow-Origin more than once (%s): "
                "browsers refuse it; let one layer answer CORS (the app's middleware, or "
                "the gateway's CORS settings) and remove the other",
                ", ".join(values),
            )


_CORS_ORIGIN = "access-control-allow-origin"


def _has_cors_origin(headers: dict[Any, Any]) -> bool:
    """Whether a rendered headers dict names Access-Control-Allow-Origin, in any case."""
    try:
        return _CORS_ORIGIN in map(str.lower, headers)
    except TypeError:  # a key that is not a string: a custom source's rendering
        return any(isinstance(name, str) and name.lower() == _CORS_ORIGIN for name in headers)


def _domain(event: Mapping[str, Any]) -> str | None:
    context = event.get("requestContext")
    domain = context.get("domainName") if isinstance(context, Mapping) else None
    return domain if isinstance(domain, str) and domain else None


def _resource_path(event: Mapping[str, Any]) -> str | None:
    """The part of the path the REST API's resource matched: ``resource`` with
    its ``{name}`` and ``{name+}`` parameters filled in from ``pathParameters``."""
    resource = event.get("resource")
    if not isinstance(resource, str) or not resource.startswith("/"):
        return None
    parameters = event.get("pathParameters") or {}
    if not isinstance(parameters, Mapping):
        return None
    for name, value in parameters.items():
        if not isinstance(value, str):
            return None
        resource = resource.replace("{" + str(name) + "+}", value).replace(
            "{" + str(name) + "}", value
        )
    return None if "{" in resource else resource


def make_doctor(option: object, options: SourceOptions, streaming: frozenset[str]) -> Doctor | None:
    """The ``doctor=`` option, checked once when the Adapter is built."""
    if not isinstance(option, bool):
        raise TypeError(f"doctor takes True or False, not {type(option).__name__}")
    return Doctor(options, streaming) if option else None

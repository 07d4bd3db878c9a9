"""The protocol every event source implements, and the options shared by all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from ..http import Request, Response
from ._body import BodyCodec

__all__ = ["Event", "Source", "SourceOptions"]

#: A Lambda event as the runtime hands it over: decoded JSON.
Event = Mapping[str, Any]


class SourceOptions:
    """Adapter-wide settings a source needs to map requests and render responses.

    Built once per ``Adapter``; sources only read it.
    """

    __slots__ = ("base_path", "body", "strip_stage")

    def __init__(
        self,
        *,
        base_path: str = "",
        strip_stage: bool = False,
        body: BodyCodec | None = None,
    ) -> None:
        #: Normalised custom-domain base path ("" or "/v1"; never a trailing slash).
        self.base_path = base_path
        #: Drop the API Gateway stage from the path instead of mounting the app under it.
        self.strip_stage = strip_stage
        #: Decides text or base64 for response bodies, decodes request bodies.
        self.body = body if body is not None else BodyCodec()


@runtime_checkable
class Source(Protocol):
    """One event format: how to recognise it, parse it and answer it.

    ``matches`` must be cheap (key checks only) and never raise. ``parse``
    raises :class:`~hatchway.InvalidEvent` for a malformed event and
    :class:`~hatchway.errors.BadRequest` for a request the app cannot be given
    (answered 400). ``render`` turns the app's response into the dict the
    service accepts, given the event it answers.
    """

    name: str

    def matches(self, event: Event) -> bool: ...

    def parse(self, event: Event, options: SourceOptions) -> Request: ...

    def render(
        self, response: Response, event: Event, options: SourceOptions
    ) -> dict[str, Any]: ...

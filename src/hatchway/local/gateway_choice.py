"""Which gateway ``hatchway serve`` plays, and how that gateway is set up.

``--source`` names a built-in source with a gateway direction
(:class:`~hatchway.sources.base.Gateway`); ``alb-multi`` is the ALB with its
target group's multi-value headers setting on. The mount options map to
:class:`~hatchway.sources.base.GatewaySettings`:

- ``--stage NAME`` (API Gateway only): the client calls the API's own
  endpoint, whose URLs begin with ``/NAME`` (REST always has a stage; HTTP
  APIs put a named stage there). Without it a REST API is served as from a
  custom domain mapped at the root, and an HTTP API on its ``$default`` stage.
- ``--base-path /x`` (API Gateway only): a custom domain whose API mapping
  path is ``/x``; ``--stage`` then only names ``requestContext.stage``.
- ``--binary-media-types`` (REST only): the API's binary media types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..sources import builtin_gateway, gateway_names
from ..sources.base import GatewaySettings
from .refusals import Refusals, refusals_for

__all__ = ["SOURCE_NAMES", "GatewayChoice"]

#: ``--source`` values that play a built-in source's gateway in another mode.
_MODES = {"alb-multi": "alb"}
#: Every ``--source`` value: the built-in sources with a gateway direction, and their modes.
SOURCE_NAMES = tuple(sorted((*gateway_names(), *_MODES)))
_API_GATEWAY = ("apigw-rest", "apigw-http")


class GatewayChoice:
    """The gateway to play: its source, its settings, its own answers, its URL prefix."""

    def __init__(
        self,
        name: str,
        *,
        stage: str | None = None,
        base_path: str = "",
        binary_media_types: Sequence[str] | None = None,
    ) -> None:
        if name not in SOURCE_NAMES:
            raise ValueError(f"unknown source {name!r}; choose one of {', '.join(SOURCE_NAMES)}")
        source_name = _MODES.get(name, name)
        if (stage is not None or base_path) and name not in _API_GATEWAY:
            raise ValueError("--stage and --base-path apply to apigw-rest and apigw-http only")
        if binary_media_types is not None and name != "apigw-rest":
            raise ValueError("--binary-media-types applies to apigw-rest only")
        if stage is not None and (not stage or "/" in stage):
            raise ValueError(f"--stage takes a stage name like 'prod', not {stage!r}")
        self.name = name
        self.gateway = builtin_gateway(source_name)
        self.refusals: Refusals = refusals_for(source_name)
        options: dict[str, Any] = {"multi_value": name == "alb-multi"}
        if binary_media_types is not None:
            options["binary_media_types"] = tuple(binary_media_types)
        self.settings = GatewaySettings(
            stage=stage,
            stage_in_url=stage is not None and not base_path,
            base_path=base_path,
            **options,
        )
        #: The path every URL of the app starts with ("" or "/prod" or "/v1").
        self.prefix = base_path or (f"/{stage}" if self.settings.stage_in_url else "")
        if self.prefix == "/$default":
            self.prefix = ""

    def describe(self) -> str:
        """The gateway in a few words, for the banner."""
        details = []
        if self.settings.stage is not None:
            details.append(f"stage {self.settings.stage}")
        if self.settings.base_path:
            details.append(f"custom domain, base path {self.settings.base_path}")
        if self.name == "apigw-rest":
            details.append(f"binary media types {', '.join(self.settings.binary_media_types)}")
        return f"{self.name} ({'; '.join(details)})" if details else self.name

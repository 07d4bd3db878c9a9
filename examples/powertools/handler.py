"""A FastAPI app behind hatchway, with Powertools for AWS Lambda around the handler.

``Logger.inject_lambda_context`` adds the request id and cold-start flag to
every log line; ``Tracer.capture_lambda_handler`` opens an X-Ray segment per
invocation. Both wrap the adapter, which stays built once per environment.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import FastAPI

from hatchway import Adapter

logger = Logger()  # service name: POWERTOOLS_SERVICE_NAME (template.yaml)
tracer = Tracer()

app = FastAPI()


@app.get("/")
async def index() -> dict[str, str]:
    logger.info("index requested")
    return {"message": "Hello from FastAPI with Powertools"}


@tracer.capture_method
def load_item(name: str) -> dict[str, str]:
    # A subsegment of its own in the X-Ray trace.
    return {"name": name}


@app.get("/items/{name}")
async def item(name: str) -> dict[str, str]:
    return load_item(name)


adapter = Adapter(app)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return adapter(event, context)

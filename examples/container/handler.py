"""The function inside the container image: a Flask app behind hatchway."""

from __future__ import annotations

from flask import Flask

from hatchway import Adapter

app = Flask(__name__)


@app.get("/")
def index() -> dict[str, str]:
    return {"message": "Hello from a container image"}


handler = Adapter(app)

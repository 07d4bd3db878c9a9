"""Tests of asgi."""

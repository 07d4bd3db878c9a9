"""Tests of wsgi."""

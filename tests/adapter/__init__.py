"""Tests of adapter."""

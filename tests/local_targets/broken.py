"""A module that fails at import, as a handler with an init error does."""

raise RuntimeError("this module is broken on purpose")

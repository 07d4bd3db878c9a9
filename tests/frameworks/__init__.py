"""The framework matrix: one small real app per framework, driven through every source."""

"""hatchway against Mangum, apig-wsgi and serverless-wsgi: ``python -m benchmarks``.

Not part of the test suite; see benchmarks/README.md.
"""

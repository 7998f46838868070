"""A standalone, persistent implementation of the Callable REST API, reached only over HTTP.

Run it with `python -m sandbox`; start one in-process for tests with `sandbox.server.start()`.
"""

"""Loaded by pytest before Django's settings (`-p tests.environment` in pyproject.toml): the test
environment's defaults. Tests speak plain HTTP to the test client and a live server."""

import os

os.environ.setdefault("HTTPS_ONLY", "0")
os.environ.setdefault("MANIFEST_STATIC", "0")
os.environ.setdefault("LOCAL_SECRET_KEY", "1")  # production refuses to start without SECRET_KEY

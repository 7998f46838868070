"""The sandbox held to its own OpenAPI document by schemathesis: no 5xx, documented statuses,
content types and response schemas, whatever valid or invalid input is generated."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sandbox import openapi

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Loaded from the module, not the served URL: schemathesis's lazy fixture loader does not run
# under this pytest; test_the_served_document_is_this_one ties the two together.
schema = schemathesis.openapi.from_dict(openapi.document())


def test_the_served_document_is_this_one(anonymous):
    response = anonymous.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == openapi.document()


@pytest.fixture(scope="module")
def schema_run(sandbox_server, sign_in):
    """Seeded data before the run (it creates, changes and deletes), and again after."""
    requests.post(sandbox_server.url + "/_sandbox/reset", timeout=10)
    token = sign_in(sandbox_server.url, "demo")["access_token"]
    yield sandbox_server.url, {"Authorization": f"Bearer {token}"}
    requests.post(sandbox_server.url + "/_sandbox/reset", timeout=10)


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_the_sandbox_conforms_to_its_openapi_document(case, schema_run):
    base_url, headers = schema_run
    case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

"""Smaller holes in what pages accept, show and send (issue 12): each test fails without its fix."""

import pytest

from tests.conftest import sign_in

HTMX = {"HX-Request": "true"}


# HX-Current-URL is whatever a client sends


@pytest.mark.django_db
@pytest.mark.parametrize("current", ["http://[::1", "http://[::1]:notaport/x", "\x00", ""])
def test_a_malformed_hx_current_url_sends_an_anonymous_htmx_request_home_to_sign_in(
    client, sandbox, current
):
    response = client.get("/accounts/", headers={**HTMX, "HX-Current-URL": current})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/?next=%2F")


@pytest.mark.django_db
def test_a_malformed_hx_current_url_with_a_dead_session_still_signs_out_cleanly(client, sandbox):
    sign_in(client, "demo")
    sandbox.revoke(access=True, refresh=True)
    response = client.get("/accounts/", headers={**HTMX, "HX-Current-URL": "http://[::1"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=%2F"

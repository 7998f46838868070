"""What users see when the upstream fails, and what hostile input gets."""

import time

import pytest

pytestmark = pytest.mark.django_db


def test_an_upstream_that_is_down_gives_a_502_page_with_retry_and_request_id(demo_client, settings):
    settings.CALLABLE_API_URL = "http://127.0.0.1:9"
    response = demo_client.get("/")
    assert response.status_code == 502
    page = response.content.decode()
    assert "The Callable API did not answer" in page
    assert 'href="/"' in page and "Try again" in page
    assert response["X-Request-ID"] in page
    assert "Traceback" not in page


def test_a_hanging_upstream_gives_a_504_within_the_timeout(demo_client, sandbox, settings):
    settings.CALLABLE_API_TIMEOUT = 0.5
    sandbox.faults(hang_next=2, hang_seconds=5)
    started = time.monotonic()
    response = demo_client.get("/")
    assert response.status_code == 504
    assert time.monotonic() - started < 4  # gave up at the timeout, did not wait out the hang
    assert "did not answer in time" in response.content.decode()


@pytest.mark.parametrize("status,page_status", [(503, 503), (500, 502), (502, 502)])
def test_upstream_5xx_gives_the_matching_page(demo_client, sandbox, status, page_status):
    sandbox.faults(fail_rate=1, fail_status=status)
    response = demo_client.get("/")
    assert response.status_code == page_status
    assert "The Callable API did not answer" in response.content.decode()


def test_gets_are_retried_on_a_passing_503(demo_client, sandbox):
    sandbox.faults(fail_next=1, fail_status=503, path="userAccounts")
    assert demo_client.get("/").status_code == 200
    statuses = [e["status"] for e in sandbox.requests("userAccounts")]
    assert statuses == [503, 200]


def test_a_dropped_connection_gives_a_502(demo_client, sandbox):
    sandbox.faults(drop_next=3)
    assert demo_client.get("/").status_code == 502


def test_a_non_json_error_from_a_proxy_gives_a_502_with_its_text(demo_client, sandbox):
    sandbox.faults(non_json_next=5)
    response = demo_client.get("/")
    assert response.status_code == 502
    page = response.content.decode()
    assert "502 Bad Gateway" in page  # the proxy's words, as text
    assert "<h1>502 Bad Gateway</h1>" not in page  # never its markup


def test_an_htmx_request_gets_a_fragment_not_a_page(demo_client, settings):
    settings.CALLABLE_API_URL = "http://127.0.0.1:9"
    response = demo_client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 502
    assert b"<html" not in response.content
    assert b"did not answer" in response.content
    assert response["HX-Retarget"] == "#flash"


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/..%2F..%2Fetc%2Fpasswd/",
        "/accounts/%3Cscript%3E/",
        "/accounts/a'b/",
        "/accounts/" + "a" * 65 + "/",
        "/accounts/x%00y/",
        "/accounts/5554872eb0731b38efa4d444%2Fddi/",
    ],
)
def test_hostile_ids_are_404_with_no_upstream_call(demo_client, sandbox, path):
    response = demo_client.get(path)
    assert response.status_code == 404
    assert sandbox.api_requests() == []


def test_an_unknown_account_is_the_upstreams_404(demo_client, sandbox):
    response = demo_client.get("/accounts/000000000000000000000000/")
    assert response.status_code == 404
    assert "No such account" in response.content.decode()


def test_pages_carry_server_timing_with_upstream_time_and_calls(demo_client):
    demo_client.get("/")  # builds the number directory (main numbers), once
    response = demo_client.get("/")
    assert response["Server-Timing"].startswith("upstream;dur=")
    assert 'desc="2 calls"' in response["Server-Timing"]


def test_the_upstream_sees_our_user_agent(demo_client, sandbox):
    demo_client.get("/")
    assert {e["user_agent"] for e in sandbox.api_requests()} == {"callable-admin/0.1.0"}


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_readyz_checks_database_and_upstream(client, sandbox, settings):
    assert client.get("/readyz").json() == {"database": "ok", "upstream": "ok"}
    settings.CALLABLE_API_URL = "http://127.0.0.1:9"
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["upstream"].startswith("failed")


def test_an_unknown_page_is_a_friendly_404(demo_client):
    response = demo_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.content.decode()


@pytest.mark.parametrize("probe", ["/healthz", "/readyz"])
def test_probes_answer_on_loopback_whatever_allowed_hosts_and_https_say(
    client, sandbox, settings, probe
):
    settings.ALLOWED_HOSTS = ["admin.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(probe, HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200


def test_a_form_without_its_csrf_token_gets_a_friendly_403(sandbox):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "demo", "password": "1234"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_an_account_the_api_does_not_have_is_a_plain_404(demo_client):
    response = demo_client.get("/accounts/ffffffffffffffffffffffff/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "No such account" in page and "may have been removed" in page
    assert 'href="/accounts/">Find an account</a>' in page
    assert "Traceback" not in page


def test_a_trunk_the_account_does_not_have_says_so_and_leads_back_to_the_account(demo_client):
    response = demo_client.get("/accounts/5554872eb0731b38efa4d444/trunks/no-such-trunk/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "No such SIP trunk" in page and "This account has no such SIP trunk" in page
    assert 'href="/accounts/5554872eb0731b38efa4d444/">Back to the account</a>' in page
    assert "The Callable API said:" in page  # its own words, below ours

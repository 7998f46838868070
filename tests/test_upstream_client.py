"""The upstream client on its own, across the wire to the sandbox."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from callable_admin.api.client import CallableAPI, StaticToken, gather, transport
from callable_admin.api.errors import (
    InvalidId,
    UpstreamNotFound,
    UpstreamRejected,
    UpstreamUnavailable,
)
from callable_admin.api.transport import (
    CallLog,
    api_path,
    check_id,
    current_calls,
    explain_error_body,
)
from tests.conftest import DARREN, DARREN_TRUNK

# a write clears the flow reads kept for its account, in the cache: a table by default
pytestmark = pytest.mark.django_db


@pytest.fixture
def api(sandbox):
    return CallableAPI(transport(), StaticToken(sandbox.token("demo")))


NEW_TRUNK = {
    "ip": "198.51.100.23",
    "port": 5061,
    "vendor": "generic",
    "callerFormat": "e164",
    "calledFormat": "e164",
    "description": "New",
    "zone": "eu-west-1",
    "countryCode": "GB",
}


@pytest.mark.parametrize("mode", ["empty", "body", "location"])
def test_a_create_finds_the_new_id_whatever_the_201_carries(api, sandbox, mode):
    sandbox.config(created=mode)
    created = api.create_trunk(DARREN, NEW_TRUNK)
    assert created.id and created.id != DARREN_TRUNK
    assert api.trunk(DARREN, created.id)["ip"] == "198.51.100.23"


def test_unknown_fields_survive_a_round_trip(api):
    trunk = api.trunk(DARREN, DARREN_TRUNK)
    trunk["futureField"] = {"nested": [1, 2]}
    api.update_trunk(DARREN, DARREN_TRUNK, trunk)
    assert api.trunk(DARREN, DARREN_TRUNK)["futureField"] == {"nested": [1, 2]}


def test_a_refusal_carries_the_upstream_message_and_field_errors(api):
    with pytest.raises(UpstreamRejected) as refused:
        api.create_trunk(DARREN, dict(NEW_TRUNK, port=70000))
    assert "port" in refused.value.field_errors


def test_an_unknown_object_is_not_found(api):
    with pytest.raises(UpstreamNotFound):
        api.trunk(DARREN, "no-such-trunk")


class _OddUpstream(BaseHTTPRequestHandler):
    """What the sandbox cannot do: a 200 whose body is not JSON, or JSON of the wrong shape."""

    bodies = {
        "/api/v1/account": b"<html>maintenance</html>",
        "/api/v1/userAccounts/me": b"[1]",
        "/api/v1/account/deep/device": b"[" * 100_000 + b"]" * 100_000,
    }

    def do_GET(self):
        body = self.bodies.get(self.path, b"{}")
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def odd_api(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OddUpstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CALLABLE_API_URL = f"http://127.0.0.1:{server.server_port}"
    yield CallableAPI(transport(), StaticToken("t"))
    server.shutdown()


def test_a_200_that_is_not_json_is_unavailable_not_a_crash(odd_api):
    with pytest.raises(UpstreamUnavailable, match="not JSON"):
        odd_api.accounts()


def test_json_nested_beyond_reason_is_unavailable_not_a_crash(odd_api):
    with pytest.raises(UpstreamUnavailable, match="not JSON"):
        odd_api.devices("deep")


def test_json_of_the_wrong_shape_is_unavailable_not_a_crash(odd_api):
    with pytest.raises(UpstreamUnavailable, match="odd answer"):
        odd_api.me()


def test_writes_are_never_retried(api, sandbox):
    sandbox.faults(fail_next=1, fail_status=503, method="PUT")
    trunk = api.trunk(DARREN, DARREN_TRUNK)
    with pytest.raises(UpstreamUnavailable):
        api.update_trunk(DARREN, DARREN_TRUNK, trunk)
    assert [e["status"] for e in sandbox.requests("trunk", method="PUT")] == [503]


def test_gets_give_up_after_two_retries(api, sandbox):
    sandbox.faults(fail_next=5, fail_status=502, path="/account$")
    with pytest.raises(UpstreamUnavailable):
        api.accounts()
    assert len(sandbox.requests("/account$")) == 3


def test_gather_runs_reads_at_once_and_records_each_call(api, sandbox):
    sandbox.faults(latency_ms=150)
    record = CallLog()
    token = current_calls.set(record)
    started = time.perf_counter()
    try:
        me, accounts, ddis = gather(api.me, api.accounts, lambda: api.ddis(DARREN))
    finally:
        current_calls.reset(token)
    wall_ms = (time.perf_counter() - started) * 1000
    assert me["name"] == "Demo Organisation" and len(accounts) > 2 and len(ddis) == 2
    assert len(record.calls) == 3
    # Overlap, not a timing budget: one after another would take the sum of the three.
    assert wall_ms < 2 * max(c.ms for c in record.calls) < sum(c.ms for c in record.calls)


def test_gather_with_tolerate_gives_each_failure_in_its_place(api):
    ok, failed = gather(api.me, lambda: api.trunk(DARREN, "missing"), tolerate=True)
    assert ok["name"] == "Demo Organisation" and isinstance(failed, UpstreamNotFound)


@pytest.mark.parametrize("value", ["", "a/b", "..", "a b", "é", "x" * 65, None, 5, "a%2F"])
def test_ids_that_are_not_ids_are_refused(value):
    with pytest.raises(InvalidId):
        check_id(value)


def test_path_segments_are_quoted():
    assert api_path("account", "a b/c") == "/api/v1/account/a%20b%2Fc"


@pytest.mark.parametrize(
    "body,message,fields",
    [
        (
            {"message": "Bad", "errors": [{"field": "port", "message": "too big"}]},
            "Bad",
            {"port": ["too big"]},
        ),
        ({"error": "invalid_grant"}, "invalid_grant", {}),
        ({"port": ["too big"], "ip": "bad ip"}, "too big", {"port": ["too big"], "ip": ["bad ip"]}),
        ({"errors": {"ip": ["bad"]}}, "bad", {"ip": ["bad"]}),
        ("plain words", "plain words", {}),
        ([1, 2], "fallback", {}),
    ],
)
def test_error_bodies_of_every_shape_are_explained(body, message, fields):
    assert explain_error_body(body, "fallback") == (message, fields)

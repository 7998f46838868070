"""Faults on demand for /api/ paths: latency, failures, hangs, drops and proxy pages."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.server import start

DARREN = "5554872eb0731b38efa4d444"
ACCOUNT = f"/api/v1/account/{DARREN}"


def elapsed(api, path: str, times: int = 3) -> float:
    began = time.perf_counter()
    for _ in range(times):
        assert api.get(path).status_code == 200
    return (time.perf_counter() - began) / times


def test_latency_delays_every_api_request(demo, control):
    baseline = elapsed(demo, ACCOUNT)

    control.post("/_sandbox/faults", json={"latency_ms": 150})

    assert elapsed(demo, ACCOUNT) >= 0.15
    assert baseline < 0.1


def test_latency_delays_sign_in_too(anonymous, control):
    control.post("/_sandbox/faults", json={"latency_ms": 150})

    began = time.perf_counter()
    response = anonymous.post(
        "/api/v1/oauth/authorize", data={"username": "demo", "password": "1234"}
    )

    assert response.status_code == 200
    assert time.perf_counter() - began >= 0.15


def test_latency_spares_the_control_path(control):
    control.post("/_sandbox/faults", json={"latency_ms": 500})

    began = time.perf_counter()
    control.get("/_sandbox/faults")

    assert time.perf_counter() - began < 0.4


def test_jitter_adds_a_random_part_up_to_its_bound(demo, control):
    control.post("/_sandbox/faults", json={"jitter_ms": 100})

    samples = [elapsed(demo, ACCOUNT, times=1) for _ in range(8)]

    assert max(samples) < 0.5
    assert max(samples) > 0.005


def test_fail_next_fails_that_many_then_recovers(demo, control):
    control.post("/_sandbox/faults", json={"fail_next": 2, "fail_status": 503})

    statuses = [demo.get(ACCOUNT).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    log = control.get("/_sandbox/requests").json()
    assert [(entry["fault"], entry["status"]) for entry in log if entry["path"] == ACCOUNT] == [
        ("fail", 503),
        ("fail", 503),
        (None, 200),
    ]


def test_a_failure_is_json_and_does_not_apply_the_write(demo, control):
    control.post("/_sandbox/faults", json={"fail_next": 1})

    response = demo.put(f"{ACCOUNT}/address", json={"line1": "Lost", "country": "United Kingdom"})

    assert response.status_code == 503  # the default status
    assert response.json()["message"]
    assert demo.get(f"{ACCOUNT}/address").json()["line1"] == "Unit 5 The Old Printworks"


def test_pass_next_lets_that_many_writes_through_then_fails_the_next(demo, control):
    # "fail the third write": reads are not counted, writes of any method are
    control.post(
        "/_sandbox/faults", json={"method": "POST|PUT|DELETE", "pass_next": 2, "fail_next": 1}
    )
    address = {"line1": "x", "country": "United Kingdom"}

    statuses = [
        demo.put(f"{ACCOUNT}/address", json=address).status_code,
        demo.get(ACCOUNT).status_code,
        demo.put(f"{ACCOUNT}/address", json=address).status_code,
        demo.put(f"{ACCOUNT}/address", json=address).status_code,
        demo.put(f"{ACCOUNT}/address", json=address).status_code,
    ]

    assert statuses == [204, 200, 204, 503, 204]


def test_a_bad_method_list_is_refused(control):
    response = control.post("/_sandbox/faults", json={"method": "POST|P T"})
    assert response.status_code == 400


def test_fail_rate_one_fails_everything(demo, control):
    control.post("/_sandbox/faults", json={"fail_rate": 1, "fail_status": 429})

    assert {demo.get(ACCOUNT).status_code for _ in range(5)} == {429}


def test_hang_outlasts_a_client_timeout_then_the_sandbox_recovers(demo, control):
    control.post("/_sandbox/faults", json={"hang_next": 1, "hang_seconds": 1.5})

    with pytest.raises(requests.exceptions.ReadTimeout):
        demo.get(ACCOUNT, timeout=0.5)

    assert demo.get(ACCOUNT, timeout=5).status_code == 200


def test_drop_closes_the_connection_without_an_answer(demo, control):
    control.post("/_sandbox/faults", json={"drop_next": 1})

    with pytest.raises(requests.exceptions.ConnectionError):
        demo.get(ACCOUNT)

    assert demo.get(ACCOUNT).status_code == 200
    log = [entry for entry in control.get("/_sandbox/requests").json() if entry["path"] == ACCOUNT]
    assert [(entry["fault"], entry["status"]) for entry in log] == [("drop", None), (None, 200)]


def test_non_json_answers_a_proxy_page(demo, control):
    control.post("/_sandbox/faults", json={"non_json_next": 1})

    response = demo.get(ACCOUNT)

    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html"
    assert response.text.startswith("<html><body><h1>502 Bad Gateway</h1>")


def test_non_json_takes_the_fail_status(demo, control):
    control.post("/_sandbox/faults", json={"non_json_next": 1, "fail_status": 504})

    response = demo.get(ACCOUNT)

    assert response.status_code == 504
    assert "504 Gateway Timeout" in response.text


def test_a_method_filter_spares_other_methods(demo, control):
    control.post("/_sandbox/faults", json={"fail_next": 1, "method": "put"})

    assert demo.get(f"{ACCOUNT}/address").status_code == 200
    address = demo.get(f"{ACCOUNT}/address").json()
    assert demo.put(f"{ACCOUNT}/address", json=address).status_code == 503
    assert demo.put(f"{ACCOUNT}/address", json=address).status_code == 204


def test_a_path_filter_is_a_regex_searched_in_the_path(demo, control):
    control.post("/_sandbox/faults", json={"fail_rate": 1, "path": r"/device(/|$)"})

    assert demo.get(f"{ACCOUNT}/trunk").status_code == 200
    assert demo.get(f"{ACCOUNT}/device").status_code == 503


def test_post_merges_and_get_shows_the_settings(control):
    control.post("/_sandbox/faults", json={"latency_ms": 20})
    control.post("/_sandbox/faults", json={"fail_next": 3})

    settings = control.get("/_sandbox/faults").json()

    assert settings["latency_ms"] == 20
    assert settings["fail_next"] == 3


def test_delete_clears_every_fault(demo, control):
    control.post("/_sandbox/faults", json={"fail_rate": 1, "latency_ms": 50})

    settings = control.delete("/_sandbox/faults").json()

    assert settings["fail_rate"] == 0 and settings["latency_ms"] == 0
    assert demo.get(ACCOUNT).status_code == 200


@pytest.mark.parametrize(
    "settings",
    [
        {"latency": 5},
        {"latency_ms": -1},
        {"latency_ms": "100"},
        {"fail_rate": 1.5},
        {"fail_next": 1.5},
        {"fail_next": True},
        {"fail_status": 200},
        {"path": "("},
        {"method": 5},
    ],
)
def test_bad_fault_settings_are_400_and_change_nothing(control, settings):
    before = control.get("/_sandbox/faults").json()

    response = control.post("/_sandbox/faults", json=settings)

    assert response.status_code == 400
    assert response.json()["errors"]
    assert control.get("/_sandbox/faults").json() == before


def test_faults_given_at_start_come_back_after_a_reset_but_not_after_delete(tmp_path):
    with start(data_dir=tmp_path, fail_rate=1, fail_status=500) as sandbox:
        url = sandbox.url + ACCOUNT
        assert requests.get(url, timeout=5).status_code == 500

        requests.post(sandbox.url + "/_sandbox/reset", timeout=5)
        assert requests.get(url, timeout=5).status_code == 500

        requests.delete(sandbox.url + "/_sandbox/faults", timeout=5)
        assert requests.get(url, timeout=5).status_code == 401  # answered for real: no token

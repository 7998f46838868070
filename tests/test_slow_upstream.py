"""A slow or failing upstream costs a page one deadline at most, never slows other users' pages,
and a path that keeps failing is left alone for a few seconds."""

import statistics
import threading
import time

import pytest
import requests

from callable_admin.api.breaker import OPEN_SECONDS, Breaker
from callable_admin.api.fanout import Readers
from tests.conftest import DARREN, DEAN
from tests.served import Gunicorn, dashboard_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def later(monkeypatch):
    from callable_admin import clock

    def move(seconds: float):
        real = clock.time.time
        monkeypatch.setattr(clock, "now", lambda: real() + seconds)

    return move


# One deadline per page


def test_the_overview_answers_504_after_one_deadline_when_every_read_is_too_slow(
    demo_client, sandbox, settings
):
    settings.CALLABLE_API_DEADLINE = 1.0
    sandbox.faults(latency_ms=1200)
    started = time.monotonic()
    response = demo_client.get(f"/accounts/{DARREN}/")
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert "did not answer in time" in response.content.decode()
    # About one deadline (the six reads run at once and share it), not one per read or retry.
    assert elapsed < 1.8 * settings.CALLABLE_API_DEADLINE


def test_calls_one_after_another_share_the_deadline(demo_client, sandbox, settings):
    """Creating a trunk lists trunks, POSTs, maybe lists again: at 0.9 s a call with a 1 s
    deadline, the page ends after about one deadline, not three calls, and the POST is never
    sent twice."""
    settings.CALLABLE_API_DEADLINE = 1.0
    sandbox.faults(latency_ms=900)
    fields = {
        "ip": "203.0.113.77",
        "port": "5060",
        "vendor": "generic",
        "callerFormat": "national",
        "calledFormat": "national",
        "zone": "eu-west-1",
        "description": "Typed with care",
    }
    started = time.monotonic()
    response = demo_client.post(f"/accounts/{DARREN}/trunks/new/", fields)
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    page = response.content.decode()
    assert "did not answer in time" in page and "Typed with care" in page  # input kept
    assert elapsed < 1.8 * settings.CALLABLE_API_DEADLINE
    assert len(sandbox.requests(r"/trunk$", method="POST")) <= 1


def test_a_call_is_not_sent_once_the_page_has_no_time_left(demo_client, sandbox, settings):
    settings.CALLABLE_API_DEADLINE = 0.5
    sandbox.faults(latency_ms=600, method="GET")
    response = demo_client.post(
        f"/accounts/{DARREN}/trunks/new/",
        {"ip": "203.0.113.77", "port": "5060", "zone": "eu-west-1", "vendor": "generic"},
    )
    assert response.status_code == 504
    assert sandbox.requests(r"/trunk$", method="POST") == []


# A path that keeps failing is left alone


def test_a_path_that_keeps_failing_is_paused_then_tried_again(demo_client, sandbox, later):
    trunks = f"/accounts/{DARREN}/trunks/"
    sandbox.faults(fail_next=1000, fail_status=503, path=f"/account/{DARREN}/trunk$")
    for _ in range(3):
        assert demo_client.get(trunks).status_code == 503
    tried = len(sandbox.requests(f"/account/{DARREN}/trunk$"))
    assert tried == 9  # three pages, each a GET and its two retries

    paused = demo_client.get(trunks)
    assert paused.status_code == 503
    assert "left alone for a few seconds" in paused.content.decode()
    assert len(sandbox.requests(f"/account/{DARREN}/trunk$")) == tried  # not called at all
    # Other paths, and the same page of another account, are not paused.
    assert demo_client.get(f"/accounts/{DEAN}/trunks/").status_code == 200

    sandbox.clear_faults()
    assert demo_client.get(trunks).status_code == 503  # still within the pause
    later(OPEN_SECONDS + 0.1)
    assert demo_client.get(trunks).status_code == 200
    assert len(sandbox.requests(f"/account/{DARREN}/trunk$")) == tried + 1


def test_after_the_pause_one_call_tries_and_a_failure_pauses_again(later):
    breaker = Breaker(failures=2, open_seconds=5)
    breaker.failed("/p")
    assert breaker.allow("/p")  # one failure is not a pattern
    breaker.failed("/p")
    assert not breaker.allow("/p")
    later(5.1)
    assert breaker.allow("/p")  # the trial
    assert not breaker.allow("/p")  # only one at a time
    breaker.failed("/p")
    assert not breaker.allow("/p")
    later(10.2)
    assert breaker.allow("/p")
    breaker.succeeded("/p")
    assert breaker.allow("/p") and breaker.allow("/p")
    assert breaker.allow("/other")


def test_refusals_do_not_count_as_failures(demo_client, sandbox):
    sandbox.faults(fail_next=1000, fail_status=404, path=f"/account/{DARREN}/trunk$")
    for _ in range(4):
        assert demo_client.get(f"/accounts/{DARREN}/trunks/").status_code == 404
    assert len(sandbox.requests(f"/account/{DARREN}/trunk$")) == 4


# One slow account does not slow anyone else


def test_a_read_never_waits_behind_other_pages_reads():
    readers = Readers(idle_seconds=5)
    release = threading.Event()
    blocked = [readers.submit(lambda: release.wait(30)) for _ in range(40)]
    try:
        assert readers.submit(lambda: "mine").result(timeout=10) == "mine"
        assert not any(future.done() for future in blocked)
    finally:
        release.set()
    assert all(future.result(timeout=10) for future in blocked)


def test_idle_reader_threads_are_reused():
    readers = Readers(idle_seconds=5)
    first = readers.submit(threading.get_ident).result(timeout=10)
    for _ in range(2000):  # until the thread has put itself back among the idle ones
        if readers._idle:
            break
        threading.Event().wait(0.005)
    assert readers.submit(threading.get_ident).result(timeout=10) == first


@pytest.mark.django_db(transaction=True)
def test_ten_slow_pages_of_one_account_do_not_slow_another_users_page(sandbox, tmp_path):
    # a deadline well past the slow pages' latency: they are slow, not failed (PostgreSQL's
    # session and grant work comes on top of the 2.5 s)
    env = dashboard_env(sandbox.url, CALLABLE_API_DEADLINE="8")
    with Gunicorn(env, workers=1, threads=16, log=tmp_path / "gunicorn.log") as dashboard:
        slow_user, other_user = dashboard.sign_in("demo"), dashboard.sign_in("support")
        healthy = dashboard.url + f"/accounts/{DEAN}/"

        def timed() -> float:
            started = time.perf_counter()
            assert other_user.get(healthy, timeout=30).status_code == 200
            return time.perf_counter() - started

        for _ in range(3):
            timed()  # warm: connections, templates
        baseline = statistics.median(timed() for _ in range(9))

        sandbox.faults(latency_ms=2500, path=f"/account/{DARREN}")
        slow_started = threading.Barrier(11)
        slow_answers: list[int] = []

        def slow_page():
            session = requests.Session()
            session.cookies.update(slow_user.cookies)
            slow_started.wait(10)
            slow_answers.append(
                session.get(dashboard.url + f"/accounts/{DARREN}/", timeout=30).status_code
            )

        slow = [threading.Thread(target=slow_page) for _ in range(10)]
        [t.start() for t in slow]
        slow_started.wait(10)
        time.sleep(0.3)  # another process's work under way: nothing to move but time
        during = statistics.median(timed() for _ in range(9))
        in_flight = sum(t.is_alive() for t in slow)
        [t.join(30) for t in slow]

    # Within 2x; a floor of 50 ms keeps a busy machine's jitter from failing a fast baseline.
    assert during < 2 * max(baseline, 0.05), (baseline, during)
    assert in_flight == 10  # the slow pages were all still waiting while we measured
    assert slow_answers == [200] * 10

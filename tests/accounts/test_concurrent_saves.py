"""Two admins saving the same object at the same moment, through two dashboard processes: no
edit is lost; a clash on one field is shown as the conflict page, never saved over."""

import threading

import pytest

from callable_admin.locks import held
from tests.accounts.pages import form_fields
from tests.conftest import DARREN, DARREN_TRUNK
from tests.served import Gunicorn, dashboard_env

pytestmark = pytest.mark.django_db(transaction=True)

TRUNK = f"/accounts/{DARREN}/trunks/{DARREN_TRUNK}/"
ADDRESS = f"/accounts/{DARREN}/address/"


def _fields(session, url: str) -> dict:
    class Page:  # what tests.accounts.pages reads
        def __init__(self, response):
            self.content = response.content

    page = session.get(url, timeout=30)
    assert page.status_code == 200
    fields = form_fields(Page(page))
    fields["csrfmiddlewaretoken"] = session.cookies["csrftoken"]
    return fields


def _post_together(posts: list[tuple]) -> list:
    """Each (session, url, fields) POSTed from its own thread, released at the same moment."""
    start = threading.Barrier(len(posts))
    answers: list = [None] * len(posts)

    def send(index, session, url, fields):
        start.wait(10)
        answers[index] = session.post(url, data=fields, allow_redirects=False, timeout=60)

    threads = [threading.Thread(target=send, args=(i, *post)) for i, post in enumerate(posts)]
    [t.start() for t in threads]
    [t.join(90) for t in threads]
    return answers


def test_forty_pairs_of_saves_from_two_processes_lose_nothing(sandbox, tmp_path):
    # Latency widens the read-compare-write window, as a real API's round trip does.
    sandbox.faults(latency_ms=25)
    token = sandbox.token()
    env = dashboard_env(sandbox.url)
    log = tmp_path / "gunicorn.log"
    lost, unexplained = [], []
    with Gunicorn(env, threads=4, log=log) as one, Gunicorn(env, threads=4, log=log) as two:
        alice, bob = one.sign_in(), two.sign_in()
        for pair in range(40):
            same_field = pair % 2 == 1
            mine, theirs = _fields(alice, one.url + TRUNK), _fields(bob, two.url + TRUNK)
            mine["description"] = f"Alice {pair}"
            if same_field:
                theirs["description"] = f"Bob {pair}"
            else:
                theirs["vendor"] = f"bob-{pair}"
            answers = _post_together(
                [(alice, one.url + TRUNK, mine), (bob, two.url + TRUNK, theirs)]
            )
            upstream = sandbox.api("GET", f"/api/v1/account/{DARREN}/trunk/{DARREN_TRUNK}", token)
            now = upstream.json()
            statuses = [answer.status_code for answer in answers]
            if not same_field:
                if statuses != [302, 302]:
                    unexplained.append((pair, statuses))
                if (now["description"], now["vendor"]) != (f"Alice {pair}", f"bob-{pair}"):
                    lost.append((pair, now["description"], now["vendor"]))
            else:
                saved = [i for i, status in enumerate(statuses) if status == 302]
                conflict = [i for i, status in enumerate(statuses) if status == 409]
                if len(saved) != 1 or len(conflict) != 1:
                    unexplained.append((pair, statuses))
                    continue
                winner = ("Alice", "Bob")[saved[0]]
                if now["description"] != f"{winner} {pair}":
                    lost.append((pair, now["description"]))
                page = answers[conflict[0]].text
                if "Choose your value or theirs" not in page and 'name="conflicting"' not in page:
                    unexplained.append((pair, "409 without the choice"))
    assert lost == [] and unexplained == []
    assert "Traceback" not in log.read_text()
    assert len(sandbox.requests(f"trunk/{DARREN_TRUNK}$", method="PUT")) == 60


def test_a_save_read_back_otherwise_says_so(demo_client, sandbox):
    """Someone outside this dashboard writes between our write and our read-back: the user is
    told what the upstream now holds, not "saved"."""
    fields = form_fields(demo_client.get(ADDRESS))
    fields["line1"] = "1 New Street"
    token = sandbox.token()
    sandbox.faults(latency_ms=800, method="GET", path="/address$")
    sandbox.clear_log()

    def write_meanwhile():
        # As soon as our PUT is done, while our read-back waits out its latency.
        for _ in range(1000):
            ours = sandbox.requests("/address$", method="PUT")
            if ours:
                break
            threading.Event().wait(0.01)
        sandbox.api(
            "PUT",
            f"/api/v1/account/{DARREN}/address",
            token,
            json={**ours[0]["body"], "line1": "9 Other Road"},
        ).raise_for_status()

    colleague = threading.Thread(target=write_meanwhile)
    colleague.start()
    response = demo_client.post(ADDRESS, fields, follow=True)
    colleague.join(30)
    text = response.content.decode()
    assert "Saved, but the Callable API now holds other values for: Address line 1" in text
    assert "Address saved." not in text


def test_a_save_read_back_as_written_says_saved(demo_client, sandbox):
    fields = form_fields(demo_client.get(ADDRESS))
    fields["line1"] = "1 New Street"
    sandbox.clear_log()
    response = demo_client.post(ADDRESS, fields)
    # Read, write, read back.
    assert [e["method"] for e in sandbox.requests("/address$")] == ["GET", "PUT", "GET"]
    text = demo_client.get(response["Location"]).content.decode()
    assert "Address saved." in text and "now holds other values" not in text


def test_a_save_that_cannot_get_its_turn_in_time_keeps_the_input(demo_client, sandbox, settings):
    fields = form_fields(demo_client.get(ADDRESS))
    fields["line1"] = "1 Patient Street"
    settings.CALLABLE_API_DEADLINE = 0.5  # the wait for the lock is bounded by the page's deadline
    with held(f"address:{DARREN}:"):  # another save of this address, running long
        response = demo_client.post(ADDRESS, fields)
    assert response.status_code == 503
    page = response.content.decode()
    assert "Someone else is saving this right now" in page and "1 Patient Street" in page
    assert sandbox.requests("/address$", method="PUT") == []

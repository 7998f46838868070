"""The search box finds an account by any of its numbers, typed as people type them, by name,
domain or id, and says which field matched. Across the wire against the sandbox."""

import re

import pytest

from callable_admin.directory.models import DirectoryBuild, ListedNumber
from tests.accounts.pages import form_fields
from tests.conftest import DARREN, DEAN

pytestmark = pytest.mark.django_db
DARREN_NUMBERS = f"/accounts/{DARREN}/ddis/?number=441234567890#number-441234567890"


def results(response) -> list[tuple[str, str]]:
    """(account name, what matched) of each row found."""
    html = response.content.decode()
    rows = re.findall(
        r"<tr>\s*<td><a [^>]*>([^<]+)</a></td>.*?<td class=\"matched\">(.*?)</td>", html, re.S
    )
    return [(name, re.sub(r"<[^>]+>|\s+", " ", matched).split()) for name, matched in rows]


@pytest.mark.parametrize(
    "typed",
    ["441234567890", "+44 1234 567890", "01234 567890", "(01234) 567-890", "0044 1234 567890"],
)
def test_a_number_typed_any_way_goes_straight_to_its_highlighted_row(demo_client, typed):
    response = demo_client.get("/accounts/", {"q": typed})
    assert response.status_code == 302
    assert response["Location"] == DARREN_NUMBERS
    page = demo_client.get(response["Location"]).content.decode()
    row = re.search(r'<tr id="number-441234567890" class="highlight"[^>]*>(.*?)</tr>', page, re.S)
    assert row and "+44 1234 567890" in row.group(1)
    assert page.count('class="highlight"') == 1


def test_a_number_no_account_has_says_so(demo_client):
    response = demo_client.get("/accounts/", {"q": "+44 20 7946 0999"})
    assert response.status_code == 200
    assert "No account matches" in response.content.decode()


def test_part_of_a_number_lists_the_accounts_and_links_to_the_number(demo_client):
    response = demo_client.get("/accounts/", {"q": "1323 4567"})
    assert response.status_code == 200
    found = dict((name, " ".join(matched)) for name, matched in results(response))
    assert found["Dean&#x27;s Taxis"].startswith("number +44 1323 4567")
    assert f'href="/accounts/{DEAN}/ddis/?number=4413234567' in response.content.decode()


def test_live_search_shows_the_number_instead_of_leaving_the_page(demo_client):
    response = demo_client.get(
        "/accounts/", {"q": "01234 567890"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert response.status_code == 200
    assert results(response) == [("Darren&#x27;s Pizzas", ["number", "+44", "1234", "567890"])]
    assert 'href="' + DARREN_NUMBERS.replace("&", "&amp;") + '"' in response.content.decode()


def test_a_main_billing_number_that_is_no_inbound_number_is_found_as_the_main_number(
    demo_client, sandbox
):
    demo_client.get("/accounts/", {"q": "warm up"})  # built; every seeded main number is a DDI
    ListedNumber.objects.filter(account_id=DARREN, kind=ListedNumber.DDI).delete()
    response = demo_client.get(
        "/accounts/", {"q": "01234 567890"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert results(response) == [
        ("Darren&#x27;s Pizzas", ["main", "number", "+44", "1234", "567890"])
    ]


def test_a_domain_finds_its_account_and_says_it_matched_the_domain(demo_client):
    response = demo_client.get("/accounts/", {"q": "darrenspizzas"})
    assert results(response) == [("Darren&#x27;s Pizzas", ["domain", "darrenspizzas"])]


def test_a_name_is_found_whatever_the_accents_and_says_name(demo_client):
    assert results(demo_client.get("/accounts/", {"q": "cafe zoe"})) == [("Café Zoë", ["name"])]


def test_an_id_is_found_and_says_id(demo_client):
    assert results(demo_client.get("/accounts/", {"q": DEAN[:12]})) == [
        ("Dean&#x27;s Taxis", ["id", DEAN])
    ]


def test_a_warm_search_costs_no_upstream_call(demo_client, sandbox):
    demo_client.get("/accounts/", {"q": "darren"})  # the first search builds the directory
    sandbox.clear_log()
    for typed in ("darren", "01234 567890", "deanstaxis", DEAN):
        demo_client.get("/accounts/", {"q": typed})
    assert sandbox.api_requests() == []


def test_the_first_search_builds_the_directory_from_every_account(demo_client, sandbox):
    demo_client.get("/accounts/", {"q": "darren"})
    reads = [(e["method"], e["path"]) for e in sandbox.api_requests()]
    accounts = len(sandbox.api("GET", "/api/v1/account", sandbox.token()).json())
    assert reads.count(("GET", "/api/v1/account")) == 1
    assert sum(1 for _, path in reads if path.endswith("/ddi")) == accounts
    built = DirectoryBuild.objects.get()
    assert built.accounts == accounts and built.upstream_calls == 2 * accounts + 1


def test_results_show_the_directorys_age_and_a_refresh_button_that_posts(demo_client):
    page = demo_client.get("/accounts/", {"q": "darren"}).content.decode()
    assert re.search(r"Number directory \d+ accounts, built <time[^>]*>just now</time>", page)
    form = re.search(r'<form method="post" action="/directory/refresh/".*?</form>', page, re.S)
    assert form and "Refresh now" in form.group()
    assert demo_client.get("/directory/refresh/").status_code == 405


def test_main_numbers_show_as_people_read_them(demo_client):
    page = demo_client.get("/accounts/", {"q": "darren"}).content.decode()
    assert '<td class="phone">+44 1234 567890</td>' in page


def test_support_staff_search_numbers_too(support_client):
    response = support_client.get("/accounts/", {"q": "+44 1234 567890"})
    assert response["Location"] == DARREN_NUMBERS


def test_the_top_bar_searches_from_every_page(demo_client):
    page = demo_client.get(f"/accounts/{DARREN}/trunks/").content.decode()
    form = re.search(
        r'<form class="topsearch" method="get" action="/accounts/".*?</form>', page, re.S
    )
    assert form and 'name="q"' in form.group()


def test_a_hostile_query_is_harmless(demo_client):
    for typed in ("%", "_", "' OR 1=1 --", "+" + "9" * 300, "0" * 50, "\x00"):
        response = demo_client.get("/accounts/", {"q": typed})
        assert response.status_code == 200, typed


def test_the_directory_is_updated_at_once_after_a_change_through_the_dashboard(
    demo_client, sandbox
):
    demo_client.get("/accounts/", {"q": "darren"})  # built
    sandbox.port_in(DARREN, "441234567899")  # a number ported in, outside the dashboard
    assert demo_client.get("/accounts/", {"q": "+44 1234 567899"}).status_code == 200  # not yet
    address = f"/accounts/{DARREN}/address/"
    sandbox.clear_log()
    saved = demo_client.post(address, {**form_fields(demo_client.get(address)), "level2": "Hove"})
    assert saved.status_code == 302
    assert ("GET", "/api/v1/account") not in [
        (e["method"], e["path"]) for e in sandbox.api_requests()
    ]
    found = demo_client.get("/accounts/", {"q": "+44 1234 567899"})
    assert found.status_code == 302 and "number=441234567899" in found["Location"]


def test_when_the_upstream_fails_during_the_first_build_names_are_still_searched(
    demo_client, sandbox
):
    sandbox.faults(fail_rate=1.0, fail_status=500, path="/ddi")
    response = demo_client.get("/accounts/", {"q": "taxi"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dean&#x27;s Taxis" in page
    assert "failed" in page  # the failure is said, beside the results
    assert DirectoryBuild.objects.get().built_at is None


def test_a_main_number_that_is_also_an_inbound_number_is_highlighted_once(demo_client, sandbox):
    page = demo_client.get(f"/accounts/{DARREN}/ddis/", {"number": "441234567890"}).content.decode()
    assert 'class="main-number" id="main-number"' in page  # the DDI row carries the anchor
    assert page.count('id="number-441234567890"') == 1 and page.count("highlight") == 1

"""/accounts/: every account of the organisation, searchable, paginated, live via HTMX."""

import re

import pytest

from callable_admin.accounts.views import ACCOUNTS_PER_PAGE
from tests.conftest import DARREN, DEAN

pytestmark = pytest.mark.django_db


def names_on(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<td><a href="/accounts/[^/]+/">([^<]+)</a></td>', html)


def test_it_lists_the_organisations_accounts_sorted_by_name(demo_client, sandbox):
    response = demo_client.get("/accounts/")
    assert response.status_code == 200
    names = names_on(response)
    assert "Darren&#x27;s Pizzas" in names and "Dean&#x27;s Taxis" in names
    assert names.index("Darren&#x27;s Pizzas") < names.index("Dean&#x27;s Taxis")
    assert names[0] == "Abbey Lane Recording Studio"
    assert "Northwind" not in response.content.decode()  # another organisation's account


def test_once_the_number_directory_is_built_it_costs_one_upstream_call(demo_client, sandbox):
    demo_client.get("/accounts/")  # the first visit builds the directory (main numbers)
    sandbox.clear_log()
    demo_client.get("/accounts/")
    assert [(e["method"], e["path"]) for e in sandbox.api_requests()] == [
        ("GET", "/api/v1/account")
    ]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("cafe zoe", "Café Zoë"),
        ("CAFÉ", "Café Zoë"),
        ("muller sohne", "Müller &amp; Söhne GmbH"),
        ("lodz", "Łódź Logistyka"),
        ("oresund", "Øresund Ferries"),
        ("darren", "Darren&#x27;s Pizzas"),
    ],
)
def test_search_ignores_case_and_accents(demo_client, query, expected):
    names = names_on(demo_client.get("/accounts/", {"q": query}))
    assert expected in names
    assert len(names) < 5


def test_search_matches_the_account_id(demo_client):
    names = names_on(demo_client.get("/accounts/", {"q": DEAN[:10]}))
    assert names == ["Dean&#x27;s Taxis"]


def test_a_search_that_finds_nothing_says_so(demo_client):
    page = demo_client.get("/accounts/", {"q": "zzzz no such account"}).content.decode()
    assert "No account matches" in page
    assert names_on_html(page) == []


def names_on_html(html: str) -> list[str]:
    return re.findall(r'<td><a href="/accounts/[^/]+/">([^<]+)</a></td>', html)


def test_a_hostile_query_is_shown_escaped(demo_client):
    page = demo_client.get("/accounts/", {"q": '<script>alert("x")</script>'}).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;" in page


def test_it_shows_fifty_accounts_a_page(demo_client, sandbox):
    total = len(sandbox.api("GET", "/api/v1/account", sandbox.token()).json())
    assert total > ACCOUNTS_PER_PAGE
    first = names_on(demo_client.get("/accounts/"))
    second = names_on(demo_client.get("/accounts/", {"page": 2}))
    assert len(first) == ACCOUNTS_PER_PAGE
    assert len(second) == total - ACCOUNTS_PER_PAGE
    assert not set(first) & set(second)
    assert "Page 1 of 2" in demo_client.get("/accounts/").content.decode()


def test_thousands_of_accounts_stay_paginated(demo_client, sandbox):
    for number in range(60):
        sandbox.create_account(f"Zebra Branch {number:03}", 1)
    response = demo_client.get("/accounts/", {"q": "zebra", "page": 2})
    assert names_on(response) == [f"Zebra Branch {n:03}" for n in range(50, 60)]
    assert "10 of" not in response.content.decode()  # the count is of matches, not of the page
    assert "60 of" in response.content.decode()


def test_the_plain_form_searches_without_javascript(demo_client):
    page = demo_client.get("/accounts/").content.decode()
    form = re.search(r'<form method="get" action="/accounts/"[^>]*>.*?</form>', page, re.S).group()
    assert 'name="q"' in form and 'type="submit"' in form


def test_live_search_answers_with_only_the_results(demo_client):
    response = demo_client.get(
        "/accounts/", {"q": "taxi"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html and 'name="q"' not in html
    assert names_on_html(html) == ["Dean&#x27;s Taxis", "Quayside Taxis"]
    assert "HX-Request" in response["Vary"]


def test_the_live_search_input_pushes_the_query_into_the_url(demo_client):
    page = demo_client.get("/accounts/").content.decode()
    search = re.search(r'<input type="search"[^>]*>', page).group()
    assert 'hx-get="/accounts/"' in search and 'hx-push-url="true"' in search
    assert 'hx-target="#results"' in search


def test_support_staff_can_search_too(support_client):
    assert "Dean&#x27;s Taxis" in names_on(support_client.get("/accounts/", {"q": "dean"}))


def test_an_account_links_to_its_overview(demo_client):
    page = demo_client.get("/accounts/", {"q": "darren"}).content.decode()
    assert f'href="/accounts/{DARREN}/"' in page

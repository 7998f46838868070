"""{% url %} keeps each reversed URL per process: it must still answer what Django's would."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

ACCOUNT = "5554872eb0731b38efa4d444"


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_it_gives_what_reverse_gives():
    assert render("{% url 'accounts:list' %}") == reverse("accounts:list")
    shown = render("{% url 'accounts:overview' account %}", account=ACCOUNT)
    assert shown == reverse("accounts:overview", args=[ACCOUNT])
    assert render("{% url 'accounts:overview' account_id=a %}", a=ACCOUNT) == shown


def test_each_argument_gets_its_own_url():
    first = render("{% url 'accounts:overview' a %}", a="first")
    second = render("{% url 'accounts:overview' a %}", a="second")
    assert first.endswith("/first/") and second.endswith("/second/")


def test_a_script_prefix_is_not_forgotten():
    plain = render("{% url 'accounts:list' %}")
    set_script_prefix("/admin-prefix/")
    try:
        assert render("{% url 'accounts:list' %}") == "/admin-prefix" + plain
    finally:
        clear_script_prefix()
    assert render("{% url 'accounts:list' %}") == plain


def test_a_name_that_does_not_reverse_still_raises():
    with pytest.raises(NoReverseMatch):
        render("{% url 'accounts:overview' a %}", a="not/an id")
    assert render("{% url 'no-such-page' as where %}[{{ where }}]") == "[]"


def test_as_a_variable_it_keeps_the_url_for_later():
    shown = render("{% url 'accounts:overview' a as where %}[{{ where }}]", a=ACCOUNT)
    assert shown == f"[{reverse('accounts:overview', args=[ACCOUNT])}]"

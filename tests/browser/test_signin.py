import pytest

from tests.browser.conftest import screenshot, signed_in_page

pytestmark = pytest.mark.browser


def test_sign_in_see_the_organisation_and_sign_out(page):
    page.goto("/")
    assert "/login/" in page.url
    page.fill("#id_username", "demo")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator(".alert.error").inner_text().strip() == "Invalid username or password"
    assert page.input_value("#id_username") == "demo"
    screenshot(page, "signin-failed")

    signed_in_page(page, "demo")
    assert page.locator("h1").inner_text() == "Demo Organisation"
    assert page.locator(".topbar .user").inner_text() == "demo"
    assert "Organisation admin" in page.locator("header.page-head").inner_text()
    assert page.locator(".accounts-table a", has_text="Darren's Pizzas").count() == 1
    screenshot(page, "organisation")

    page.click("text=Sign out")
    page.wait_for_url("**/login/")
    assert "You have signed out" in page.locator("#flash").inner_text()
    page.goto("/")
    assert "/login/" in page.url


def test_support_sees_a_read_only_organisation(page):
    signed_in_page(page, "support")
    assert "Read only" in page.locator(".stats").inner_text()
    assert "Support, read only" in page.locator("header.page-head").inner_text()
    assert page.locator("nav.mainnav >> text=Audit log").count() == 1  # support reads it too


def test_an_edit_sent_after_the_session_ended_comes_back_after_sign_in(page, sandbox):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from tests.conftest import DARREN

    signed_in_page(page, "demo")
    page.goto(f"/accounts/{DARREN}/address/")
    page.fill("#id_line2", "22 Kept Wharf Road")
    # The session times out while the form is open.
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    page.click("form.object-form button[type=submit]")
    page.wait_for_url("**/login/**")
    assert "what you typed is kept" in page.locator("#flash").inner_text()
    screenshot(page, "signin-form-kept")

    page.fill("#id_username", "demo")
    page.fill("#id_password", "1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/accounts/{DARREN}/address/")
    assert page.input_value("#id_line2") == "22 Kept Wharf Road"
    assert "What you typed is back in the form" in page.locator("#flash").inner_text()
    assert sandbox.requests(method="PUT") == []
    screenshot(page, "address-form-kept")

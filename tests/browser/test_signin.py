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

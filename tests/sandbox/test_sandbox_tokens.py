"""Sign-in, refresh rotation, lifetimes on the sandbox's clock, revocation, and 401s."""

from __future__ import annotations

import jwt
import pytest

from sandbox.server import start

ME = "/api/v1/userAccounts/me"
AUTHORIZE = "/api/v1/oauth/authorize"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_bad_password_is_401_invalid_grant(anonymous):
    response = anonymous.post(AUTHORIZE, data={"username": "demo", "password": "4321"})

    assert response.status_code == 401
    assert response.json() == {"error": "invalid_grant", "message": "Invalid username or password"}


def test_unknown_user_is_the_same_401(anonymous):
    response = anonymous.post(AUTHORIZE, data={"username": "nobody", "password": "1234"})

    assert response.status_code == 401
    assert response.json()["message"] == "Invalid username or password"


@pytest.mark.parametrize(
    "form",
    [
        {"username": "demo"},
        {"password": "1234"},
        {"username": "", "password": "1234"},
        {},
        {"token": ""},
        {"username": "demo", "password": "1234", "token": "x"},
    ],
)
def test_missing_or_mixed_fields_are_400(anonymous, form):
    response = anonymous.post(AUTHORIZE, data=form)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_json_instead_of_a_form_is_400(anonymous):
    response = anonymous.post(AUTHORIZE, json={"username": "demo", "password": "1234"})

    assert response.status_code == 400
    assert "x-www-form-urlencoded" in response.json()["message"]


def test_the_access_token_opens_the_api(anonymous, sign_in):
    token = sign_in(anonymous.url, "demo")["access_token"]

    assert anonymous.get(ME, headers=bearer(token)).status_code == 200


def test_support_token_carries_only_its_role(anonymous, sign_in):
    token = sign_in(anonymous.url, "support")["access_token"]

    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["realm_access"]["roles"] == ["AdminRecorder"]
    assert claims["organisationId"] == "3h74872eb0731b38efa4d556"


def test_a_refresh_rotates_the_refresh_token(anonymous, sign_in):
    first = sign_in(anonymous.url, "demo")

    renewed = anonymous.post(AUTHORIZE, data={"token": first["refresh_token"]})
    reused = anonymous.post(AUTHORIZE, data={"token": first["refresh_token"]})

    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != first["refresh_token"]
    assert reused.status_code == 401
    assert reused.json()["error"] == "invalid_grant"
    again = anonymous.post(AUTHORIZE, data={"token": renewed.json()["refresh_token"]})
    assert again.status_code == 200


def test_a_renewed_access_token_belongs_to_the_same_user(anonymous, sign_in):
    first = sign_in(anonymous.url, "support")

    renewed = anonymous.post(AUTHORIZE, data={"token": first["refresh_token"]}).json()

    claims = jwt.decode(renewed["access_token"], options={"verify_signature": False})
    assert claims["preferred_username"] == "support"


def test_an_unknown_refresh_token_is_401_json(anonymous):
    response = anonymous.post(AUTHORIZE, data={"token": "not-a-token"})

    assert response.status_code == 401
    assert response.json()["message"]


def test_an_access_token_expires_on_the_sandbox_clock(anonymous, sign_in, clock):
    token = sign_in(anonymous.url, "demo")["access_token"]

    clock.advance(3599)
    assert anonymous.get(ME, headers=bearer(token)).status_code == 200
    clock.advance(2)
    response = anonymous.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert response.json() == {"message": "Access token expired"}
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_a_refresh_token_expires_on_the_sandbox_clock(anonymous, sign_in, clock):
    refresh_token = sign_in(anonymous.url, "demo")["refresh_token"]

    clock.advance(36001)
    response = anonymous.post(AUTHORIZE, data={"token": refresh_token})

    assert response.status_code == 401
    assert response.json()["message"] == "Refresh token expired"


def test_a_refresh_after_the_access_token_expired_still_works(anonymous, sign_in, clock):
    tokens = sign_in(anonymous.url, "demo")
    clock.advance(4000)

    renewed = anonymous.post(AUTHORIZE, data={"token": tokens["refresh_token"]}).json()

    assert anonymous.get(ME, headers=bearer(tokens["access_token"])).status_code == 401
    assert anonymous.get(ME, headers=bearer(renewed["access_token"])).status_code == 200


def test_lifetimes_change_at_run_time(anonymous, control, sign_in, clock):
    control.post("/_sandbox/config", json={"access_ttl": 60, "refresh_ttl": 120})

    tokens = sign_in(anonymous.url, "demo")
    clock.advance(61)

    assert tokens["expires_in"] == 60
    assert tokens["refresh_expires_in"] == 120
    assert anonymous.get(ME, headers=bearer(tokens["access_token"])).status_code == 401


def test_revoking_access_tokens_kills_those_already_issued(anonymous, control, sign_in):
    old = sign_in(anonymous.url, "demo")

    control.post("/_sandbox/revoke", json={"access": True, "refresh": False})

    assert anonymous.get(ME, headers=bearer(old["access_token"])).json() == {
        "message": "Access token revoked"
    }
    renewed = anonymous.post(AUTHORIZE, data={"token": old["refresh_token"]})
    assert renewed.status_code == 200
    assert anonymous.get(ME, headers=bearer(renewed.json()["access_token"])).status_code == 200


def test_revoking_refresh_tokens_forces_a_new_sign_in(anonymous, control, sign_in):
    old = sign_in(anonymous.url, "demo")

    control.post("/_sandbox/revoke", json={"access": False, "refresh": True})

    assert anonymous.get(ME, headers=bearer(old["access_token"])).status_code == 200
    assert anonymous.post(AUTHORIZE, data={"token": old["refresh_token"]}).status_code == 401


def test_missing_token_is_401_json(anonymous):
    response = anonymous.get(ME)

    assert response.status_code == 401
    assert response.json() == {"message": "Missing bearer token"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer garbage",
        "Bearer ",
        "Basic ZGVtbzoxMjM0",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "Bearer " + "a" * 5000,
    ],
)
def test_garbage_tokens_are_401_json(anonymous, authorization):
    response = anonymous.get(ME, headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.json()["message"]


def test_a_token_signed_with_another_key_is_401(anonymous, sign_in):
    genuine = sign_in(anonymous.url, "demo")["access_token"]
    claims = jwt.decode(genuine, options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-sandbox-key-but-long-enough-for-hs256", algorithm="HS256")

    response = anonymous.get(ME, headers=bearer(forged))

    assert response.status_code == 401
    assert response.json() == {"message": "Invalid access token"}


def test_passwords_and_tokens_never_reach_the_request_log(anonymous, control, sign_in):
    tokens = sign_in(anonymous.url, "demo")
    anonymous.post(AUTHORIZE, data={"token": tokens["refresh_token"]})

    log = control.get("/_sandbox/requests").json()

    assert [(entry["grant"], entry["user"], entry["body"]) for entry in log] == [
        ("password", "demo", None),
        ("refresh", "demo", None),
    ]
    assert "1234" not in control.get("/_sandbox/requests").text
    assert tokens["refresh_token"] not in control.get("/_sandbox/requests").text


def test_lifetimes_come_from_the_environment_when_not_given(tmp_path, monkeypatch, sign_in):
    monkeypatch.setenv("SANDBOX_ACCESS_TTL", "120")
    monkeypatch.setenv("SANDBOX_REFRESH_TTL", "240")

    with start(data_dir=tmp_path) as sandbox:
        tokens = sign_in(sandbox.url, "demo")

    assert (tokens["expires_in"], tokens["refresh_expires_in"]) == (120, 240)


def test_lifetimes_given_at_start_win_over_the_environment(tmp_path, monkeypatch, sign_in):
    monkeypatch.setenv("SANDBOX_ACCESS_TTL", "120")

    with start(data_dir=tmp_path, access_ttl=30, refresh_ttl=60) as sandbox:
        tokens = sign_in(sandbox.url, "demo")

    assert (tokens["expires_in"], tokens["refresh_expires_in"]) == (30, 60)


def test_without_rotation_a_refresh_answers_an_access_token_and_the_refresh_token_lives_on(
    anonymous, control, sign_in, clock
):
    control.post("/_sandbox/config", json={"rotate_refresh": False})
    tokens = sign_in(anonymous.url, "demo")
    assert tokens["refresh_token"]  # a password grant still gets one

    answers = [anonymous.post(AUTHORIZE, data={"token": tokens["refresh_token"]}) for _ in "ab"]

    assert [a.status_code for a in answers] == [200, 200]
    assert all("refresh_token" not in a.json() for a in answers)
    assert anonymous.get(ME, headers=bearer(answers[1].json()["access_token"])).status_code == 200
    clock.advance(36000)
    refused = anonymous.post(AUTHORIZE, data={"token": tokens["refresh_token"]})
    assert refused.status_code == 401  # it still expires


def test_the_command_line_turns_rotation_off():
    from sandbox.__main__ import parse_args

    assert parse_args([]).rotate_refresh is True
    assert parse_args(["--no-refresh-rotation"]).rotate_refresh is False

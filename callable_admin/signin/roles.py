"""Role checks that refuse (403) before any upstream call. They raise, so a view cannot forget
to act on a returned flag."""

import re
from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied


class NoVoiceChannel(PermissionDenied):
    """Placing calls needs the VoiceChannel role."""


class NotAdmin(PermissionDenied):
    """Changing things needs the OrganisationAdmin role."""


def role_labels(roles: list[str]) -> list[str]:
    """The user's roles as people say them: what they may do, then any other role by name."""
    labels = [
        "Organisation admin" if settings.ROLE_ADMIN in roles else "Support, read only",
    ]
    if settings.ROLE_VOICE in roles:
        labels.append("Can place calls")
    for role in roles:
        if role not in (settings.ROLE_ADMIN, settings.ROLE_VOICE):
            # "AdminRecorder" → "Admin recorder": the upstream's other roles, readable.
            words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(role)).split()
            labels.append(" ".join([words[0], *(w.lower() for w in words[1:])]) if words else "")
    return [label for label in labels if label]


# What a refusal names, by the URL name of the page refused.
REFUSED = {
    "address": "Changing the address",
    "trunk_new": "Adding a SIP trunk",
    "trunk": "Changing a SIP trunk",
    "trunk_delete": "Removing a SIP trunk",
    "hook_new": "Adding a hook",
    "hook": "Changing a hook",
    "hook_delete": "Removing a hook",
}


def _refused(request) -> str:
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match else ""
    if match and match.app_name == "flows":
        return "Changing the call flow"
    return REFUSED.get(name, "Changing this")


def check_admin(request) -> None:
    if not request.is_admin:
        raise NotAdmin(
            f"{_refused(request)} needs the organisation admin role. "
            "You are signed in for support: you can see everything, but not change it."
        )


def check_voice(request) -> None:
    if not request.can_call:
        raise NoVoiceChannel("Placing calls needs the voice channel role (“Can place calls”).")


def admin_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        check_admin(request)
        return view(request, *args, **kwargs)

    return wrapped


def admin_required_for_writes(view):
    """Anyone signed in may look; only admins may POST."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            check_admin(request)
        return view(request, *args, **kwargs)

    return wrapped


def voice_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        check_voice(request)
        return view(request, *args, **kwargs)

    return wrapped

"""Role checks that refuse (403) before any upstream call. They raise, so a view cannot forget
to act on a returned flag."""

from functools import wraps

from django.core.exceptions import PermissionDenied


class NotAdmin(PermissionDenied):
    """Changing things needs the OrganisationAdmin role."""


class NoVoiceChannel(PermissionDenied):
    """Placing calls needs the VoiceChannel role."""


def check_admin(request) -> None:
    if not request.is_admin:
        raise NotAdmin("Changing this needs the organisation admin role.")


def check_voice(request) -> None:
    if not request.can_call:
        raise NoVoiceChannel("Placing calls needs the voice channel role.")


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

from django.conf import settings


def dashboard(request):
    user = getattr(request, "user", None)
    return {
        "signin_hint": settings.SIGNIN_HINT,
        "organisation_name": getattr(user, "organisation_name", ""),
        "roles": getattr(request, "roles", []),
        "is_admin": getattr(request, "is_admin", False),
        "can_call": getattr(request, "can_call", False),
    }

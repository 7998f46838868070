from django.conf import settings

from callable_admin.signin.roles import role_labels


def dashboard(request):
    user = getattr(request, "user", None)
    return {
        "signin_hint": settings.SIGNIN_HINT,
        "organisation_name": getattr(user, "organisation_name", ""),
        "roles": getattr(request, "roles", []),
        "role_labels": role_labels(getattr(request, "roles", [])) if user else [],
        "is_admin": getattr(request, "is_admin", False),
        "can_call": getattr(request, "can_call", False),
    }

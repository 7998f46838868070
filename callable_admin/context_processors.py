def dashboard(request):
    user = getattr(request, "user", None)
    return {
        "organisation_name": getattr(user, "organisation_name", ""),
        "roles": getattr(request, "roles", []),
        "is_admin": getattr(request, "is_admin", False),
        "can_call": getattr(request, "can_call", False),
    }

def dashboard(request):
    grant = getattr(request, "grant", None)
    return {
        "organisation_name": grant.user.organisation_name if grant else "",
        "roles": getattr(request, "roles", []),
        "is_admin": getattr(request, "is_admin", False),
        "can_call": getattr(request, "can_call", False),
    }

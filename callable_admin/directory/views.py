from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from callable_admin.directory import refresh


@require_POST
def refresh_now(request: HttpRequest) -> HttpResponse:
    """Rebuild the directory in the background ("refresh now"), then back where the user was."""
    started = refresh.refresh_in_background(request.callable, request.user.organisation_id)
    if started is None:
        messages.info(request, "The number directory is already being refreshed.")
    else:
        messages.success(request, "Refreshing the number directory: new results in a moment.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "/accounts/"
    return redirect(back)

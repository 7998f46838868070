"""Error pages (403, 404, 429, 500, 502/503/504): a whole page, or a small fragment for HTMX."""

from django.shortcuts import render


def error_response(
    request,
    status: int,
    title: str,
    message: str,
    *,
    retry: bool = False,
    detail: str = "",
    back: tuple[str, str] | None = None,
):
    context = {
        "detail": detail,
        "back": back,
        "status": status,
        "title": title,
        "message": message,
        "retry": retry,
        "retry_url": request.get_full_path() if request.method == "GET" else "",
        "request_id": getattr(request, "request_id", ""),
    }
    template = "errors/fragment.html" if getattr(request, "htmx", False) else "errors/page.html"
    response = render(request, template, context, status=status)
    if getattr(request, "htmx", False):
        # Errors replace the panel that asked, whatever its hx-target said.
        response["HX-Retarget"] = "#flash"
        response["HX-Reswap"] = "innerHTML"
    return response


def page_not_found(request, exception=None):
    return error_response(request, 404, "No such page", "There is nothing at this address.")


def permission_denied(request, exception=None):
    return error_response(
        request,
        403,
        "Not allowed",
        str(exception) if exception and str(exception) else "Your role does not allow this.",
    )


def bad_request(request, exception=None):
    return error_response(request, 400, "Bad request", "The request could not be understood.")


def server_error(request):
    # No context processors that might fail again: a plain render with what we know.
    return error_response(
        request,
        500,
        "Something went wrong on our side",
        "The error has been logged. Try again, or go back to the start.",
        retry=True,
    )


def csrf_failure(request, reason=""):
    return error_response(
        request,
        403,
        "This form has expired",
        "The page was open for too long, or was opened in another session. Go back, reload "
        "the page and send it again.",
    )

"""One place decides whether a request gets the whole page or only a part of it (HTMX)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def page_or_part(
    request: HttpRequest, page: str, part: str, context: dict, status: int = 200
) -> HttpResponse:
    """`part` (a template, or `template#partial`) for an HTMX request, `page` otherwise. One URL
    answers both ways, so caches must keep them apart: `Vary: HX-Request`."""
    htmx = getattr(request, "htmx", None)
    # a boosted request swaps the whole body: it wants the page
    wants_part = bool(htmx) and not htmx.boosted
    response = render(request, part if wants_part else page, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response

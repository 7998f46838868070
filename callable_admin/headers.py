"""Headers every page of ours carries: a Content-Security-Policy with no inline script or style
(our markup has none, and htmx is configured to inject none), and `Cache-Control: no-store`
(pages, exports and CSV hold an organisation's data: no shared or back-button cache keeps them).
Static files are answered by WhiteNoise before this middleware and keep their long cache."""

from django.utils.cache import patch_cache_control

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class PageHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # a view that serves a document of another kind (the SVG export) sets its own policy
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if not response.has_header("Cache-Control"):
            # a view that chose its caching (the public device-types stylesheet) keeps it
            patch_cache_control(response, no_store=True, private=True)
        return response

"""`{% url %}` as Django's, with each URL kept per process once reversed: reversing walks the
URL patterns (tens of µs), and a page of a list reverses one per row. Built into every template
(settings.TEMPLATES), so it replaces Django's tag."""

import functools

from django import template
from django.conf import settings
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _kept(urlconf: str, prefix: str, view_name: str, args: tuple, kwargs: tuple, app) -> str:
    # `prefix` is in the key only: reverse() reads the same from this thread.
    return reverse(view_name, urlconf, args=args, kwargs=dict(kwargs), current_app=app)


def _plain(value: object) -> bool:
    """Values whose text is their identity (not a model, whose hash is its pk; not a bool).
    A quoted name in a template ('accounts:list') comes as a SafeString."""
    return type(value) in (str, SafeString, int)


class KeptURLNode(defaulttags.URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        if not (_plain(view_name) and all(map(_plain, args)) and all(map(_plain, kwargs.values()))):
            return super().render(context)
        try:  # as Django's tag finds it
            app = context.request.current_app
        except AttributeError:
            try:
                app = context.request.resolver_match.namespace
            except AttributeError:
                app = None
        if app is not None and type(app) is not str:
            return super().render(context)
        try:
            url = _kept(
                get_urlconf() or settings.ROOT_URLCONF,
                get_script_prefix(),
                view_name,
                tuple(args),
                tuple(sorted(kwargs.items())),
                app,
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
            url = ""  # `{% url … as name %}` gives "" for a name that does not reverse
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)

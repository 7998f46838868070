"""Template filters for upstream values, built into every template (settings.TEMPLATES)."""

from django import template
from django.utils.html import format_html

from callable_admin.masking import mask_url, masked
from callable_admin.text import needs_isolation, without_bidi_controls

register = template.Library()


@register.filter
def isolated(value: object):
    """Upstream text in `<bdi>` when it has a direction of its own (it cannot spill into ours),
    its reordering controls shown inert."""
    if value is None or value == "":
        return ""
    text = str(value)
    if not needs_isolation(text):
        return text  # left-to-right text cannot reorder ours: no markup to weigh the page
    return format_html("<bdi>{}</bdi>", without_bidi_controls(text))


@register.filter
def masked_url(value: object):
    """A URL from upstream, credentials masked, isolated."""
    return isolated(mask_url(value) if isinstance(value, str) else value)


@register.filter
def masked_as(value: object, name: str):
    """`value` of field `name` with its credentials masked (not isolated: compose with it)."""
    return masked(name, value)


@register.filter
def inert(value: object) -> str:
    """Upstream text where markup cannot go (a `<title>`, an attribute): controls made inert."""
    return without_bidi_controls(str(value)) if value is not None else ""

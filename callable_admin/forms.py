"""The one place a form's save meets the upstream's answer: a refusal goes onto the form by the
field it names (or atop it), a failure says nothing was saved, and the input is always kept.
Saves of one object run one at a time across every process (`callable_admin.locks`)."""

from collections.abc import Callable
from contextlib import nullcontext

from django import forms

from callable_admin.api.errors import (
    UpstreamError,
    UpstreamForbidden,
    UpstreamNotFound,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamTimeout,
)
from callable_admin.locks import LockBusy, held
from callable_admin.text import has_bidi_controls

BIDI_REFUSED = (
    "Remove the invisible direction controls (right-to-left override and the like): they can "
    "make text read differently from what it is."
)


def refuse_bidi_controls(form: forms.Form, *, keep_stored: bool = True) -> None:
    """A field error on every text typed with a bidi embedding, override or isolate in it. With
    `keep_stored`, a stored value sent back as it was shown (the upstream's, not typed here)
    passes."""
    for name, value in list(form.cleaned_data.items()):
        if not isinstance(value, str) or not has_bidi_controls(value):
            continue
        field = form.fields.get(name)
        if keep_stored and field and value == str(form.get_initial_for_field(field, name)):
            continue
        form.add_error(name, BIDI_REFUSED)


def save_or_explain(
    form: forms.Form,
    save: Callable[[], object],
    field_names: dict[str, str] | None = None,
    *,
    lock: str | None = None,
) -> tuple[bool, int, object]:
    """Run `save` (holding the lock named `lock`, if given: use one name per upstream object);
    on an upstream error, put the explanation on `form` and give the status to answer with.
    `field_names` maps upstream field paths to form fields where they differ.
    Returns (saved, status, what save returned)."""
    try:
        with held(lock) if lock else nullcontext():
            return True, 200, save()
    except LockBusy:
        form.add_error(
            None,
            "Someone else is saving this right now and it is taking long, so nothing was "
            "saved. Your input is kept: try again in a moment.",
        )
        return False, 503, None
    except UpstreamRejected as exc:
        placed = False
        for name, texts in exc.field_errors.items():
            target = (field_names or {}).get(name, name)
            if target in form.fields:
                for text in texts:
                    form.add_error(target, text)
                placed = True
        if not placed or exc.message not in sum(exc.field_errors.values(), []):
            form.add_error(None, f"The Callable API refused this: {exc.message}")
        return False, 400, None
    except UpstreamTimeout:
        form.add_error(
            None,
            "The Callable API did not answer in time. Nothing is known to be "
            "saved; your input is kept, so you can try again.",
        )
        return False, 504, None
    except UpstreamThrottled:
        form.add_error(
            None,
            "The Callable API asked us to slow down, so nothing was saved. Your input is "
            "kept: try again in a moment.",
        )
        return False, 429, None
    except (UpstreamForbidden, UpstreamNotFound) as exc:
        form.add_error(None, f"{exc.title}: {exc.message}")
        return False, exc.status, None
    except UpstreamError as exc:
        if exc.status == 401:
            raise  # session handling belongs to the middleware
        form.add_error(
            None,
            "The Callable API did not answer, so nothing was saved. Your input "
            "is kept: try again in a moment.",
        )
        return False, 503 if 503 in (exc.status, exc.upstream_status) else 502, None

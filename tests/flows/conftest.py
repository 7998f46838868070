"""The flow model's tests are pure (no Django, no database, no sandbox) and also run with
`-p no:django`; the canvas view tests beside them run under Django as usual."""

import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    # the suite-wide cache reset needs configured settings, which -p no:django never provides
    if not settings.configured:
        yield
        return
    from tests.conftest import _clear_cache, clear_cache_for

    clear_cache_for(request)
    yield
    _clear_cache()

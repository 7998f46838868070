"""All JavaScript and CSS of a page together stay under 100 KB compressed (design.md)."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders

from tests.conftest import DEAN

BUDGET = 100 * 1024


def assets_of(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="/static/([^"]+\.(?:js|css))"', html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", f"/accounts/{DEAN}/", f"/accounts/{DEAN}/flow/", f"/accounts/{DEAN}/calls/new/"]
)
def test_a_pages_scripts_and_styles_stay_under_100_kb_compressed(demo_client, path):
    response = demo_client.get(path)
    assert response.status_code == 200
    assets = assets_of(response.content.decode())
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    total = 0
    for asset in assets:
        with open(finders.find(asset), "rb") as handle:
            total += len(gzip.compress(handle.read(), 9))
    assert total < BUDGET, f"{path}: {total} bytes compressed in {assets}"

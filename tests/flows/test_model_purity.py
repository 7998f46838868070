"""The flow model is pure Python: no Django, no HTTP, nothing of the dashboard's. Held here, in a
fresh interpreter, so that an import sneaking in anywhere in `flows/model/` fails the suite."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import flows.model

FORBIDDEN = (
    "django",
    "requests",
    "urllib3",
    "http",
    "callable_admin",
    "sandbox",
    "flows.views",
    "flows.models",
    "flows.urls",
)
MODEL_DIR = Path(flows.model.__file__).parent


def model_modules() -> list[str]:
    return [f"flows.model.{info.name}" for info in pkgutil.iter_modules([str(MODEL_DIR)])]


def test_no_module_of_the_model_imports_django_or_http_code():
    offenders = []
    for path in MODEL_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {name}"
                for name in names
                if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
            ]
    assert offenders == []


def test_importing_the_whole_model_loads_neither_django_nor_an_http_client():
    modules = model_modules()
    assert {"flows.model.graph", "flows.model.svg", "flows.model.devicetypes"} <= set(modules)
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in modules)
        + "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('django', 'requests', 'urllib3', 'callable_admin', 'sandbox')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=MODEL_DIR.parent.parent,
    )
    assert result.stdout.strip() == "[]"

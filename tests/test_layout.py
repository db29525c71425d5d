"""The layout is the architecture: the layers' import contracts hold, a wrong import fails them,
and no module imports part of the app from inside a function to dodge a circle."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "annotations"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Function-local imports of the app that are allowed, and why.
LOCAL_IMPORTS_ALLOWED = {
    ("apps.py", "annotations.live"): "Django's ready(): the live stream's signal needs models",
}


def _local_app_imports() -> list[tuple[str, str, int]]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and node.level:
                    module = "." * node.level + (node.module or "")
                elif isinstance(node, ast.ImportFrom):
                    module = node.module or ""
                elif isinstance(node, ast.Import):
                    module = ",".join(alias.name for alias in node.names)
                else:
                    continue
                if module.startswith((".", "annotations")):
                    found.append((str(path.relative_to(APP)), module, node.lineno))
    return found


def test_no_module_imports_the_app_from_inside_a_function():
    found = [
        (path, module, line)
        for path, module, line in _local_app_imports()
        if (path, module) not in LOCAL_IMPORTS_ALLOWED
    ]
    assert found == []


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"import-linter is not installed next to {sys.executable} (make install-dev)")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layers_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("where", "wrong_import", "refusal"),
    [
        (
            "queries/wrong_way.py",
            "from annotations import services",
            "annotations.queries is not allowed to import annotations.services",
        ),
        (
            "lib/wrong_way.py",
            "from annotations.models import Claim",
            "annotations.lib is not allowed to import annotations.models",
        ),
        (
            "api/wrong_way.py",
            "from annotations.pages import forms",
            "annotations.api is not allowed to import annotations.pages",
        ),
        (
            "pages/tokens.py",
            "from annotations.pages import teams",
            "annotations.pages.tokens is not allowed to import annotations.pages.teams",
        ),
    ],
    ids=[
        "a query calls a service",
        "lib touches the models",
        "the API imports a page",
        "a page view imports another",
    ],
)
def test_a_wrong_import_breaks_the_contracts(tmp_path, where, wrong_import, refusal):
    shutil.copytree(APP, tmp_path / "annotations", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    module = tmp_path / "annotations" / where
    existing = module.read_text() if module.exists() else ""
    module.write_text(f"{existing}\n{wrong_import}  # noqa: F401\n")

    result = _lint_imports(tmp_path)

    assert result.returncode == 1
    assert refusal in " ".join(result.stdout.split())


VIEW_DECORATORS = {"login_required", "require_GET", "require_POST", "require_http_methods"}


def _view_modules() -> set[str]:
    """Modules of pages/ that define a view (a function under one of Django's view decorators)."""
    found = set()
    for path in (APP / "pages").rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            names = {
                getattr(d.func if isinstance(d, ast.Call) else d, "id", None)
                for d in node.decorator_list
            }
            if names & VIEW_DECORATORS:
                relative = path.relative_to(ROOT).with_suffix("")
                found.add(".".join(relative.parts))
                break
    return found


def test_every_view_module_is_in_the_views_contract():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    views = next(c for c in contracts["contracts"] if c["id"] == "views")
    assert _view_modules() == set(views["modules"])

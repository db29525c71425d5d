"""The layout is the architecture: the layers' import contracts hold, a wrong import fails them,
and no module imports part of the app from inside a function to dodge a circle."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
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
    ],
    ids=["a query calls a service", "lib touches the models", "the API imports a page"],
)
def test_a_wrong_import_breaks_the_contracts(tmp_path, where, wrong_import, refusal):
    shutil.copytree(APP, tmp_path / "annotations", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "annotations" / where).write_text(f"{wrong_import}  # noqa: F401\n")

    result = _lint_imports(tmp_path)

    assert result.returncode == 1
    assert refusal in " ".join(result.stdout.split())

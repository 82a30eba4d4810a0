"""The apps form a stack: a lower app never imports an upper one, and no import hides in a function.

The contracts live in pyproject.toml ([tool.importlinter]); `lint-imports` checks them.
"""

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from villesolidaire.help_requests.enums import Status
from villesolidaire.residents.models import CLOSED_REQUEST

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "villesolidaire"
# `lint-imports`, run by this interpreter (whatever its virtual environment is called).
LINT_IMPORTS = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]

# Imports of the project allowed inside a function body, each with its reason. Keep it short:
# a deferred import usually hides a cycle that the layers contract would otherwise report.
READY = "AppConfig.ready() connects the app's steps to the hooks of lower apps; models load only then."
DEFERRED_IMPORTS_ALLOWED: dict[str, str] = {
    "villesolidaire/audit/apps.py": READY,
    "villesolidaire/register/apps.py": READY,
    "villesolidaire/campaigns/apps.py": READY,
    "villesolidaire/matching/apps.py": READY,
    "villesolidaire/missions/apps.py": READY,
    "villesolidaire/surveys/apps.py": READY,
    "villesolidaire/needs/apps.py": READY,
    "villesolidaire/trainings/apps.py": READY,
    "villesolidaire/hosting/apps.py": READY,
    "villesolidaire/api/apps.py": READY,
}


def _lint_imports(*, cwd: Path, config: Path | None = None, pythonpath: Path | None = None):
    command = [*LINT_IMPORTS, "--no-cache"]
    if config is not None:
        command += ["--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(pythonpath or cwd)}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_apps_respect_the_import_contracts():
    result = _lint_imports(cwd=ROOT)
    assert result.returncode == 0, f"Import contracts broken (pyproject.toml, [tool.importlinter]):\n{result.stdout}"


def test_the_layers_check_reports_an_upward_import_and_a_cycle(tmp_path):
    """The same kind of contract fails on a package where a lower module imports an upper one."""
    package = tmp_path / "stack"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lower.py").write_text("from stack import upper\n")  # upward: lower -> upper
    (package / "upper.py").write_text("from stack import lower\n")  # and so a cycle
    config = tmp_path / "contracts.toml"
    config.write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_package = "stack"

            [[tool.importlinter.contracts]]
            name = "Stack"
            type = "layers"
            layers = ["stack.upper", "stack.lower"]
            """
        )
    )
    result = _lint_imports(cwd=tmp_path, config=config, pythonpath=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "stack.lower is not allowed to import stack.upper" in result.stdout


def _deferred_project_imports(path: Path, root: Path = ROOT) -> list[str]:
    """`villesolidaire.*` imports written inside a function body of this module."""
    found = []
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else ["(relative)"]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [
                f"{path.relative_to(root)}:{node.lineno} {name}"
                for name in names
                if name.split(".")[0] == "villesolidaire" or name == "(relative)"
            ]
    return sorted(set(found))


def test_no_project_import_is_deferred_into_a_function():
    deferred = [
        line
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
        for line in _deferred_project_imports(path)
        if line.split(":")[0] not in DEFERRED_IMPORTS_ALLOWED
    ]
    assert not deferred, "Imports hidden in functions (import at the top; a cycle means a layer is wrong):\n" + (
        "\n".join(deferred)
    )


def test_the_deferred_import_check_finds_one(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from villesolidaire.core import text\n    return text\n")
    assert _deferred_project_imports(module, root=tmp_path) == ["module.py:2 villesolidaire.core"]


def test_residents_name_the_closed_request_status_as_help_requests_do():
    """Residents sit below help_requests and repeat the one status value they filter on."""
    assert CLOSED_REQUEST == Status.CLOSED

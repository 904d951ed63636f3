"""Layers point one way (README, "Layers"): the import-linter contracts of pyproject.toml hold,
the environment is read in settings.py only, no resource class lives in an asset module, and
the only imports inside functions are the ones that keep the command line fast."""

from __future__ import annotations

import ast

from importlinter.cli import lint_imports

from recon_assets_tests.conftest import CHECKOUT

PACKAGE = CHECKOUT / "recon_assets"
# (module, what it imports inside a function): each only so a command loads no more than it
# needs, never to dodge an import cycle.
COMMAND_LINE_LAZY_IMPORTS = {
    # `recon` says a bad environment variable before loading any command.
    ("recon_assets/main.py", "recon_assets.cli"),
    # DuckDB's error classes load only when a command failed.
    ("recon_assets/cli.py", "recon_assets.cli_errors"),
    # Google's client libraries load only for a BigQuery store: the commands that read, and
    # a run (its resources and its staging) on DuckDB.
    ("recon_assets/stored.py", "recon_assets.warehouse_bigquery"),
    ("recon_assets/resources.py", "recon_assets.warehouse_bigquery"),
    ("recon_assets/staging.py", "recon_assets.staging_bigquery"),
}


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "sql") or path.is_relative_to(PACKAGE / "rules"):
            continue
        found.append((path.relative_to(CHECKOUT).as_posix(), ast.parse(path.read_text())))
    return found


def test_the_import_contracts_hold():
    assert lint_imports(str(CHECKOUT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def test_the_environment_is_read_in_settings_only():
    readers = []
    for name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv"):
                readers.append(f"{name}:{node.lineno}")
            names = {a.name for a in node.names} if isinstance(node, ast.ImportFrom) else set()
            if getattr(node, "module", None) == "os" and names & {"environ", "getenv"}:
                readers.append(f"{name}:{node.lineno}")
    assert readers and all(r.startswith("recon_assets/settings.py:") for r in readers), readers


def test_no_resource_class_lives_in_an_asset_module():
    found = []
    for name, tree in _modules():
        if not name.endswith("/assets.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(b) for b in node.bases}
                if any(b.endswith("ConfigurableResource") for b in bases):
                    found.append(f"{name}: {node.name}")
    assert found == []


def test_imports_inside_functions_only_keep_the_command_line_fast():
    lazy = set()
    for name, tree in _modules():
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            if id(node) in top:
                continue
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("recon_assets"):
                lazy.add((name, node.module))
            if isinstance(node, ast.Import):
                lazy |= {(name, a.name) for a in node.names if a.name.startswith("recon_assets")}
    assert lazy == COMMAND_LINE_LAZY_IMPORTS

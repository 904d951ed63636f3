"""The tree reads as README says: every module says what it is for, and README's layout names
every package and folder there is, and nothing that is not."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import recon_assets

PACKAGE = Path(recon_assets.__file__).parent
ROOT = PACKAGE.parent
# Links to the top-level sql/ and rules/ (package data), not code.
DATA_LINKS = ("sql", "rules")


def modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in DATA_LINKS
    )


def layout() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout\n", 1)[1]
    return section.split("```", 2)[1]


def named_folders(block: str) -> tuple[set[str], set[str]]:
    """(top-level folders, recon_assets packages) named at the start of a layout line."""
    top, inside = set(), set()
    for line in block.splitlines():
        if match := re.match(r"^(\S+)/\s", line + " "):
            top.add(match[1])
        elif match := re.match(r"^  (\w+)/\s", line):
            inside.add(match[1])
    return top, inside


def test_every_module_and_package_says_what_it_is_for():
    missing = [
        str(p.relative_to(ROOT))
        for p in modules()
        if not (ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or "").strip()
    ]
    assert not missing, f"modules without a docstring: {missing}"


def test_readme_layout_names_every_package_and_nothing_else():
    top, inside = named_folders(layout())
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert inside == packages
    folders = {
        p.name
        for p in ROOT.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and not p.name.endswith(".egg-info")
        and p.name not in ("__pycache__", "build", "dist")
    }
    assert top <= folders, f"named in README's layout but not in the tree: {top - folders}"
    assert folders <= top, f"in the tree but not in README's layout: {folders - top}"


def test_every_file_the_layout_names_exists():
    named = set(re.findall(r"[\w/]+\.(?:py|sh|yaml|toml)\b", layout()))
    found = {n for n in named if (PACKAGE / n).exists() or (ROOT / n).exists()}
    found |= {n for n in named if any(ROOT.glob(f"*/{n}"))}
    assert found == named, f"named in README's layout but not in the tree: {named - found}"

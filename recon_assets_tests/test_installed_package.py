"""The product as a user installs it: a built wheel (not an editable checkout) in a fresh
virtual environment, run from a folder that is not the checkout, finds its SQL and its
default rules as package data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from recon_assets_tests.conftest import CHECKOUT

# Building, installing and the seven-night demo: about a minute on a busy 2-core machine.
TIMEOUT = 300


def run(command: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=TIMEOUT, **kwargs
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_a_built_wheel_installed_in_a_fresh_venv_runs_the_demo_from_another_folder(tmp_path):
    # Only what the wheel is built from: no sql/ or rules/ beside it to fall back on.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(CHECKOUT / name, source / name)
    shutil.copytree(
        CHECKOUT / "recon_assets",
        source / "recon_assets",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", dist, source])
    [wheel] = dist.glob("recon_assets-*.whl")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    # The dependencies come from the project's environment (a .pth line adds its
    # site-packages after the fresh one; its own .pth files, the editable install's among
    # them, are not read), the product from the wheel alone.
    fresh = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    purelib = Path(fresh.stdout.strip())
    (purelib / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([*pip, "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel])

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECON_", "DAGSTER_"))}
    env.pop("PYTHONPATH", None)
    env["RECON_HOME"] = str(tmp_path / "home")
    where = run(
        [python, "-c", "import recon_assets; print(recon_assets.__file__)"], cwd=elsewhere, env=env
    )
    assert Path(where.stdout.strip()).is_relative_to(purelib)

    demo = run(
        [venv / "bin" / "recon", "demo", "--orders-per-day", "15"],
        cwd=elsewhere,
        env=env,
    )
    assert "Reconciled 7 night(s)" in demo.stdout
    assert "as Slack shows it" in demo.stdout
    assert list((tmp_path / "home" / "reports").glob("*.md"))
    assert not list(elsewhere.iterdir())  # everything went into RECON_HOME

"""The `recon` executable: a bad environment variable is said in one line here, before any
command starts (every command reads the settings)."""

from __future__ import annotations

import sys

from recon_assets.settings import Settings, SettingsError


def main() -> None:
    try:
        Settings.from_env()
    except SettingsError as err:
        print(err, file=sys.stderr)
        sys.exit(2)
    from recon_assets.cli import app  # only once the settings are known to be usable

    app()

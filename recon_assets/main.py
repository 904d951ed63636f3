"""The `recon` executable. The command line imports the Dagster definitions, which read the
settings when imported: a bad environment variable is said in one line here, before that."""

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

"""The reviewed rules folder as a Dagster resource, shared by every stage that reads the rules
(sources, reconciliation, reporting); rules.py itself loads without Dagster, for the command
line."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from recon_assets.rules import Rules, load_rules


class RulesResource(dg.ConfigurableResource):
    """The reviewed YAML rules folder (`$RECON_RULES_DIR`, default `rules/`)."""

    rules_dir: str

    def load(self) -> Rules:
        return load_rules(Path(self.rules_dir))

"""recon_assets: nightly omnichannel retail reconciliation as a Dagster asset graph."""

"""recon_assets: every night, each sale, refund, payment, settlement, shipment and ledger
posting of the retailer matched across the systems it touches, every break classified and
reported before the working day; a Dagster asset graph with the `recon` command line."""

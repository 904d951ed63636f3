"""Nightly extracts: the vendors' APIs pulled into the same landing files their exports give.

A feed of `rules/sources.yaml` with `via: api` gets an extract asset (group `extracts`,
daily partitioned like every asset, upstream of the sources it feeds). Each extract maps the
API's records into the rows of the vendor's export (one mapping per vendor: the file adapter
of recon_assets/adapters reads them), writes the night's canonical landing files and keeps
the raw API pages beside them, gzipped JSONL, for audit. `common.py` is what every extract
shares; a third system adds one module with its client and its API-to-export mapping, and
one entry in `assets.EXTRACTS`.
"""

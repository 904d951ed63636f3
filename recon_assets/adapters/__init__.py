"""Vendor export adapters: real exports in, canonical landing files (DESIGN.md section 4) out.

`convert(format, input_path, landing_dir, ...)` is the whole API of `recon convert`;
`FORMATS` lists the format names; `rules/sources.yaml` (see `config.py`) says which export
feeds which source for the nightly run.
"""

from recon_assets.adapters.common import AdapterError
from recon_assets.adapters.convert import Summary, convert, render_summary
from recon_assets.adapters.registry import FORMATS

__all__ = ["FORMATS", "AdapterError", "Summary", "convert", "render_summary"]

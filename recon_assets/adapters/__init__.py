"""Vendor export adapters: real exports in, canonical landing files (DESIGN.md section 4) out.

`convert(format, input_path, landing_dir, ...)` is the whole API of `recon convert` (or its
two halves, `read_export` then `write_export`, to read several exports before writing any);
`FORMATS` lists the format names; `rules/sources.yaml` (see `config.py`) says which export
feeds which source for the nightly run.
"""

from recon_assets.adapters.common import AdapterError
from recon_assets.adapters.convert import (
    Summary,
    check_agreement,
    convert,
    read_export,
    render_summary,
    write_export,
)
from recon_assets.adapters.registry import FORMATS

__all__ = [
    "FORMATS",
    "AdapterError",
    "Summary",
    "check_agreement",
    "convert",
    "read_export",
    "render_summary",
    "write_export",
]

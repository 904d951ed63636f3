"""The deterministic sample retailer behind `recon generate` and `recon demo`.

    generate(out_dir, start, days, orders_per_day, seed, breaks=None) -> GenerationSummary

writes `<out_dir>/<source>/<YYYY-MM-DD>.csv` for the seven sources of DESIGN.md section 4
and `<out_dir>/expected_breaks.csv`: every break the reconciliation must report, per night.
"""

from recon_assets.generator.build import GenerationSummary, generate, parse_breaks
from recon_assets.generator.injections import INJECTION_KINDS, InjectionError

__all__ = [
    "INJECTION_KINDS",
    "GenerationSummary",
    "InjectionError",
    "generate",
    "parse_breaks",
]

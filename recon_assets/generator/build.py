"""`recon generate`: a sample retailer's landing files and the breaks they must raise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from random import Random
from zoneinfo import ZoneInfo

from recon_assets.generator.injections import INJECTION_KINDS, inject
from recon_assets.generator.landing import landing_rows
from recon_assets.generator.model import World
from recon_assets.generator.oracle import expected_rows
from recon_assets.generator.simulation import trade
from recon_assets.generator.vendor_exports import VendorExport, write_vendor_exports
from recon_assets.generator.writer import write_expected, write_landing
from recon_assets.settings import DEFAULT_TIMEZONE


@dataclass(frozen=True)
class GenerationSummary:
    out_dir: Path
    start: date
    end: date
    orders: int  # sales of both channels
    rows: dict[str, int]  # landing rows written per source
    files: int  # landing files written
    injections: dict[str, int]  # breaks injected per kind
    skipped: dict[str, int]  # breaks asked for that the range is too short to show, per kind
    expected_breaks: int  # rows of expected_breaks.csv (one per break per night)
    vendor_exports: tuple[VendorExport, ...] = ()  # with --vendor-exports: the files written


def parse_breaks(text: str) -> dict[str, int]:
    """`default` (every kind once), `none`, or `kind=n,kind=n`."""
    text = text.strip()
    if text == "default":
        return dict.fromkeys(INJECTION_KINDS, 1)
    if text == "none":
        return {}
    counts: dict[str, int] = {}
    for item in text.split(","):
        kind, _, number = item.strip().partition("=")
        if kind not in INJECTION_KINDS:
            raise ValueError(
                f"unknown break kind {kind!r}; known kinds: {', '.join(INJECTION_KINDS)}"
            )
        if not number.isdigit():
            raise ValueError(f"break count for {kind!r} must be a whole number, got {number!r}")
        counts[kind] = counts.get(kind, 0) + int(number)
    return counts


def generate(
    out_dir: Path,
    start: date,
    days: int,
    orders_per_day: int,
    seed: int,
    breaks: Mapping[str, int] | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    vendor_exports: Path | None = None,
) -> GenerationSummary:
    """Write `days` nights of landing files from `start`, plus expected_breaks.csv.

    `breaks=None` injects every kind once, `{}` nothing. Same arguments, same bytes: the
    only randomness is `Random(seed)`, and no clock is read. With `vendor_exports`, the same
    world's records that vendors export are written there in the vendors' layouts instead,
    and the landing files hold only the rest (vendor_exports.py); every source still has a
    file per night, so converting the exports into `out_dir` completes the same nights.
    """
    if days < 1 or orders_per_day < 1:
        raise ValueError("days and orders_per_day must both be at least 1")
    counts = dict.fromkeys(INJECTION_KINDS, 1) if breaks is None else dict(breaks)
    unknown = sorted(set(counts) - set(INJECTION_KINDS))
    if unknown or any(count < 0 for count in counts.values()):
        raise ValueError(f"bad breaks {dict(counts)}: kinds are {', '.join(INJECTION_KINDS)}")

    rng = Random(seed)
    world = World(start, start + timedelta(days=days - 1), ZoneInfo(timezone))
    trade(world, rng, orders_per_day)
    injected, skipped = inject(world, rng, counts)
    expected = expected_rows(world, injected)

    out_dir = Path(out_dir)
    nights = world.days()
    rows = landing_rows(world)
    exports: list[VendorExport] = []
    if vendor_exports is not None:
        exports, rows = write_vendor_exports(
            Path(vendor_exports), rows, world.start, world.end, world.zone
        )
    written = write_landing(out_dir, nights, rows)
    write_expected(out_dir, expected)
    return GenerationSummary(
        out_dir=out_dir,
        start=world.start,
        end=world.end,
        orders=sum(1 for order in world.orders if order.sold),
        rows=written,
        files=len(written) * len(nights),
        injections={
            kind: count - skipped.get(kind, 0)
            for kind, count in counts.items()
            if count - skipped.get(kind, 0)
        },
        skipped=skipped,
        expected_breaks=len(expected),
        vendor_exports=tuple(exports),
    )

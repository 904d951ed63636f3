"""Xero Account Transactions / General Ledger Detail CSV -> ledger_entries.

Title lines, then `Date,Source,Description,Reference,Debit,Credit,Running Balance,...`; rows
are grouped under an account heading (`Sales (200)` or `200 - Sales`), unless the user picked
the `Account Code` column, which then wins. Debit and Credit are two unsigned columns.
Dates are `02 Sep 2026` (also ISO or day-first `02/09/2026`, Xero's non-US default).
The title line states the report's period (`For the period 1 January 2024 to 31 December
2024`, or `From 24 Mar 2026 to 1 Apr 2026`): every date of it is a delivered ledger day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

from recon_assets.adapters import ledger
from recon_assets.adapters.common import (
    Column,
    Context,
    Covers,
    IdMaker,
    Row,
    optional,
    parse_date,
    read_csv_lines,
    read_table,
)

COLUMNS = {
    "date": Column.of("Date"),
    "debit": Column.of("Debit", "Debit (Source)"),
    "credit": Column.of("Credit", "Credit (Source)"),
    "reference": optional("Reference"),
    "description": optional("Description"),
    "source": optional("Source"),
    "account": optional("Account Code", "Account"),
    "currency": optional("Currency"),
}

DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%d/%m/%Y")
PERIOD = re.compile(r"^(?:for the period |from )?(\S.*?) to (\S.*)$", re.IGNORECASE)
TITLE_LINES = 15  # as many as read_table searches for the header


def _period(ctx: Context) -> Iterator[Covers]:
    """The title line that states the period, if the export kept it."""
    for _, cells in islice(read_csv_lines(ctx.path), TITLE_LINES):
        filled = [c.strip() for c in cells if c.strip()]
        match = PERIOD.match(filled[0]) if len(filled) == 1 else None
        if match:
            try:
                first, last = (parse_date(d, DATE_FORMATS) for d in match.groups())
            except ValueError:
                continue  # a title that only looks like a period
            yield Covers.dates("ledger_entries", first, last, ctx.tz, repr(filled[0]))
            return


def read(ctx: Context) -> Iterator[Row | Covers]:
    table = read_table(ctx.path, COLUMNS, search_rows=TITLE_LINES)
    yield from _period(ctx)
    currency = ledger.book_currency(ctx)
    ids = IdMaker("xero")
    for posting in ledger.postings(table, "date", DATE_FORMATS):
        record = posting.record
        account = record.text("account") or posting.heading
        if not account:
            raise record.error("date", record.text("date"), "has no account heading above it")
        row_currency = record.currency("currency") if record.text("currency") else currency
        yield ledger.entry(
            ids,
            posting,
            account=ledger.account_code(account),
            reference=record.text("reference"),
            currency=row_currency,
            debit=record.minor("debit", row_currency),
            credit=record.minor("credit", row_currency),
            memo=record.text("description"),
            kind=record.text("source"),
        )

"""Xero Account Transactions / General Ledger Detail CSV -> ledger_entries.

Title lines, then `Date,Source,Description,Reference,Debit,Credit,Running Balance,...`; rows
are grouped under an account heading (`Sales (200)` or `200 - Sales`), unless the user picked
the `Account Code` column, which then wins. Debit and Credit are two unsigned columns.
Dates are `02 Sep 2026` (also ISO or day-first `02/09/2026`, Xero's non-US default).
"""

from __future__ import annotations

from collections.abc import Iterator

from recon_assets.adapters import ledger
from recon_assets.adapters.common import Column, Context, IdMaker, Row, optional, read_table

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


def read(ctx: Context) -> Iterator[Row]:
    table = read_table(ctx.path, COLUMNS, search_rows=15)
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

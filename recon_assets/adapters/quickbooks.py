"""QuickBooks Online General Ledger or Journal report CSV -> ledger_entries.

General Ledger: 3-4 preamble rows, a header with a leading empty column
(`,Date,Transaction Type,Num,Name,Memo/Description,Split,Amount,Balance`), account section
rows (`4000 Sales,,,`), `Total for ...` rows and a final `TOTAL`. `Amount` is signed, read as
debit positive / credit negative (Intuit's IIF convention). Journal: `Account`, `Debit` and
`Credit` columns, Date/Type/Num only on a transaction's first line (carried forward).
Amounts may be quoted with thousands separators, `$` and bracketed negatives
(`$(250.00)`). Dates are US `MM/DD/YYYY`.
"""

from __future__ import annotations

from collections.abc import Iterator

from recon_assets.adapters import ledger
from recon_assets.adapters.common import (
    Column,
    Context,
    IdMaker,
    Row,
    header_error,
    optional,
    read_table,
)

COLUMNS = {
    "date": Column.of("Date"),
    "type": Column.of("Transaction Type"),
    "num": Column.of("Num"),
    "memo": optional("Memo/Description", "Memo"),
    "amount": optional("Amount"),
    "debit": optional("Debit"),
    "credit": optional("Credit"),
    "account": optional("Account"),
}

DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d")


def read(ctx: Context) -> Iterator[Row]:
    table = read_table(ctx.path, COLUMNS, search_rows=15)
    has = table.positions
    if "amount" not in has and not {"debit", "credit"} <= has.keys():
        raise header_error(ctx.path, table.header, ["Amount"])
    currency = ledger.book_currency(ctx)
    ids = IdMaker("qbo")
    for posting in ledger.postings(table, "date", DATE_FORMATS, fill=("type", "num")):
        record = posting.record
        account = record.text("account") or posting.heading
        if not account:
            raise record.error("date", record.text("date"), "has no account section above it")
        if "amount" in has:
            signed = record.minor("amount", currency)
            debit, credit = max(signed, 0), max(-signed, 0)
        else:
            debit, credit = record.minor("debit", currency), record.minor("credit", currency)
        yield ledger.entry(
            ids,
            posting,
            account=ledger.account_code(account),
            reference=posting.filled["num"],
            currency=currency,
            debit=debit,
            credit=credit,
            memo=record.text("memo"),
            kind=posting.filled["type"],
        )

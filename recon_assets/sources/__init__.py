"""Stage 1: what each system delivered for a night (storefront, showroom POS, order
management, processors, their settlements, the 3PL, the ledger), read, checked and stored as
one daily partition per business date; a system that did not deliver is said so."""

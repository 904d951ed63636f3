"""Stage 2: match every record across systems (SQL) and classify every break (rules)."""

"""Stage 1: the seven source extracts, one daily partition per business date."""

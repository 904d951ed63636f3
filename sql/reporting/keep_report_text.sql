-- The text of this run's report, as the pieces loaded in report_pieces.
SELECT $recon_date AS recon_date, $run_id AS run_id, $digest AS digest, part, seq, piece
FROM report_pieces;

-- A report of the night as kept: the one a post was made from ($digest), or the one to post
-- ($digest empty: the one this run built, else the latest kept). Its text is put back
-- together from report_text; a report kept before report_text has it in its own row.
WITH chosen AS (
  SELECT run_id, clean, markdown, payload, digest
  FROM report_history
  WHERE recon_date = $recon_date AND ($digest = '' OR digest = $digest)
  ORDER BY run_id = $run_id DESC, recorded_at DESC
  LIMIT 1
),
text AS (
  SELECT t.part, string_agg(t.piece, '' ORDER BY t.seq NULLS FIRST) AS body
  FROM report_text AS t
  JOIN chosen AS c ON t.run_id = c.run_id AND t.digest = c.digest
  WHERE t.recon_date = $recon_date
  GROUP BY t.part
)
SELECT c.run_id, c.clean, c.digest,
       COALESCE(m.body, c.markdown) AS markdown, COALESCE(p.body, c.payload) AS payload
FROM chosen AS c
LEFT JOIN text AS m ON m.part = 'markdown'
LEFT JOIN text AS p ON p.part = 'payload';

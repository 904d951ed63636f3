#!/usr/bin/env bash
# make bq-test: the same generated nights reconciled on embedded DuckDB and on a local BigQuery
# emulator must give byte-identical exceptions, stored report and traces (docs/bigquery.md says
# what this proves and what it cannot). Needs ../shared/bigquery-emulator beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
recon=$PWD/.venv/bin/recon
emulator=$PWD/.bq-emulator # git-ignored; setup.sh makes its venv once
shared=$(cd .. && pwd)/shared/bigquery-emulator
start=2025-03-28 last=2025-03-30 days=3
work=$(mktemp -d "${TMPDIR:-/tmp}/recon-bq-test.XXXXXX")

stop() {
  if [ -f "$emulator/bqe.pid" ]; then
    kill "$(cat "$emulator/bqe.pid")" 2>/dev/null || true
    rm -f "$emulator/bqe.pid"
  fi
  rm -rf "$work"
}
trap stop EXIT

[ -x "$shared/setup.sh" ] || { echo "bq-test: no BigQuery emulator at $shared" >&2; exit 1; }
"$shared/setup.sh" "$emulator"
# A free loopback port whose +10 (the emulator's gRPC port) is free too.
port=$(.venv/bin/python - <<'EOF'
import socket

def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True

while True:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if port + 10 < 65536 and free(port + 10):
        print(port)
        break
EOF
)
rm -f "$emulator/bqe.pid"
"$shared/start.sh" "$emulator" "$port" recon-local recon

# Nothing from the caller's environment may pick another warehouse, landing or instance.
unset RECON_WAREHOUSE RECON_BQ_PROJECT RECON_BQ_DATASET RECON_BQ_LOCATION RECON_BQ_API_ENDPOINT
unset RECON_LANDING_DIR DAGSTER_HOME SLACK_BOT_TOKEN RECON_NARRATOR
export RECON_TIMEZONE=Europe/London RECON_START_DATE=$start
"$recon" generate --out "$work/landing" --start "$start" --days "$days" \
  --orders-per-day 20 --seed 7
# Three keys with breaks: an order, a payout and a store-day, from the injected breaks.
keys=$(awk -F, '$6 == "true" {
  kind = $2 ~ /^payout_/ ? "payout" : $2 ~ /^pos_takings_/ ? "store-day" : $2 ~ /^sale_/ ? "order" : ""
  if (kind != "" && !seen[kind]++) print $3 }' "$work/landing/expected_breaks.csv")
[ "$(echo "$keys" | wc -l)" -eq 3 ] || { echo "bq-test: 3 keys expected, got: $keys" >&2; exit 1; }

on() { # on WAREHOUSE CMD...: recon on that warehouse, its own home
  local side=$1
  shift
  if [ "$side" = bigquery ]; then
    RECON_HOME="$work/$side" RECON_WAREHOUSE=bigquery RECON_BQ_PROJECT=recon-local \
      RECON_BQ_DATASET=recon RECON_BQ_API_ENDPOINT="http://127.0.0.1:$port" "$recon" "$@"
  else
    RECON_HOME="$work/$side" RECON_WAREHOUSE=duckdb "$recon" "$@"
  fi
}

capture() { # capture WAREHOUSE FILE CMD...: its output into FILE, its log into the side's log
  local side=$1 file=$2
  shift 2
  on "$side" "$@" >"$file" 2>>"$work/$side.log" || {
    tail -30 "$work/$side.log" >&2
    echo "bq-test: recon $1 on $side failed (emulator log: $emulator/bqe.log)" >&2
    exit 1
  }
}

for side in duckdb bigquery; do
  SECONDS=0
  mkdir -p "$work/out/$side"
  capture "$side" "$work/$side.backfill" backfill --start "$start" --end "$last" \
    --landing "$work/landing"
  echo "$side: $days nights in ${SECONDS}s"
  if [ "$side" = bigquery ] && [ -e "$work/$side/recon.duckdb" ]; then
    echo "bq-test: the BigQuery side wrote a DuckDB file" >&2
    exit 1
  fi
  capture "$side" "$work/out/$side/exceptions.json" exceptions --date "$last" --format json
  capture "$side" "$work/out/$side/report.md" report --date "$last"
  for key in $keys; do
    name=$work/out/$side/trace-${key//[^A-Za-z0-9_-]/_}
    COLUMNS=240 capture "$side" "$name.txt" trace "$key"
    capture "$side" "$name.json" trace "$key" --format json
    # The JSON also says when each run was recorded: wall-clock time, different on any rerun.
    sed -i -E 's/("first_recorded_at": )"[^"]*"/\1"(masked)"/' "$name.json"
  done
done

status=0
for file in "$work"/out/duckdb/*; do
  name=$(basename "$file")
  if [ ! -s "$file" ]; then
    echo "EMPTY: $name" >&2
    status=1
  elif cmp -s "$file" "$work/out/bigquery/$name"; then
    echo "same: $name ($(wc -c <"$file") bytes)"
  else
    echo "DIFFERENT: $name" >&2
    diff -u "$file" "$work/out/bigquery/$name" | head -60 >&2 || true
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "bq-test: DuckDB and the BigQuery emulator agree on $last" ||
  echo "bq-test: DuckDB and the BigQuery emulator differ" >&2
[ "$status" -eq 0 ] || exit "$status"

# A night is all or nothing on BigQuery too (README): a re-run of the last night whose ledger
# file changed and whose storefront file holds a bad amount is refused (the ledger step staged
# its rows, the storefront step failed), and every stored table is as it was, row for row.
dump() { # dump FILE: the dataset's stored tables; their staging tables counted in FILE.staging
  .venv/bin/python scripts/bq_dump.py "http://127.0.0.1:$port" recon-local recon >"$1" 2>"$1.staging"
}
cp -r "$work/landing" "$work/landing-bad"
awk -F, -v OFS=, 'NR == 2 { $7 = $7 + 1 } 1' "$work/landing/ledger_entries/$last.csv" \
  >"$work/landing-bad/ledger_entries/$last.csv"
awk -F, -v OFS=, 'NR == 2 { $6 = "3380O" } 1' "$work/landing/storefront_orders/$last.csv" \
  >"$work/landing-bad/storefront_orders/$last.csv"
dump "$work/stored-before"
SECONDS=0
rc=0
on bigquery run --date "$last" --landing "$work/landing-bad" >"$work/failed-run.out" 2>>"$work/bigquery.log" || rc=$?
dump "$work/stored-after"
if [ "$rc" -ne 2 ] || ! cmp -s "$work/stored-before" "$work/stored-after"; then
  echo "bq-test: the refused re-run exited $rc (2 expected) or changed stored rows:" >&2
  diff -u "$work/stored-before" "$work/stored-after" | head -40 >&2 || true
  exit 1
fi
echo "failed re-run refused (rc 2) in ${SECONDS}s: $(wc -l <"$work/stored-after") stored rows" \
  "unchanged, $(cat "$work/stored-after.staging") left for the next run to drop"
# The next run drops that staging and gives the clean night's answer again.
capture bigquery "$work/rerun.out" run --date "$last" --landing "$work/landing"
dump "$work/stored-rerun"
capture bigquery "$work/out/rerun-exceptions.json" exceptions --date "$last" --format json
capture bigquery "$work/out/rerun-report.md" report --date "$last"
if [ "$(cat "$work/stored-rerun.staging")" != "0 staging tables" ] ||
  ! cmp -s "$work/out/bigquery/exceptions.json" "$work/out/rerun-exceptions.json" ||
  ! cmp -s "$work/out/bigquery/report.md" "$work/out/rerun-report.md"; then
  echo "bq-test: the re-run after the refused one differs from the clean night" >&2
  exit 1
fi
echo "bq-test: a refused re-run on BigQuery left the night as it was; the next run equals the clean one"

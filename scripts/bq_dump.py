"""The stored tables of a BigQuery dataset (those sql/ddl declares) as sorted text (stdout), and
how many staging tables of unpublished runs it holds (stderr): what `make bq-test` compares
around a failed run. (The emulator keeps a session's temporary tables in the dataset: they
are neither.)

Usage: bq_dump.py ENDPOINT PROJECT DATASET (an emulator's endpoint: anonymous credentials)."""

import sys

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from recon_assets.staging import STAGING_PREFIX
from recon_assets.warehouse_bigquery import table_columns

endpoint, project, dataset = sys.argv[1:4]
client = bigquery.Client(
    project=project,
    credentials=AnonymousCredentials(),
    client_options=ClientOptions(api_endpoint=endpoint),
)
tables = sorted(t.table_id for t in client.list_tables(f"{project}.{dataset}"))
staging = [t for t in tables if t.startswith(STAGING_PREFIX)]
for table in sorted(set(tables) & set(table_columns())):
    print(f"== {table}")
    rows = client.query(f"SELECT * FROM `{project}.{dataset}.{table}`").result()
    print("\n".join(sorted(repr(tuple(row.values())) for row in rows)))
print(f"{len(staging)} staging tables", file=sys.stderr)

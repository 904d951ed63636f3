"""What the real google-cloud-bigquery client sends, against a local HTTP stand-in.

Only what the emulator of `make bq-test` cannot vouch for stays here: the partition filters
and clustering clauses sent, job labels, typed parameters, how jobs join one session and
transaction, and a failing end of session. Results themselves are proven by `make bq-test`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from google.api_core.exceptions import BadRequest

from recon_assets.reconciliation.matching import KEPT_TABLES, MATCHING_STEPS, run_matching
from recon_assets.resources import build_resources
from recon_assets.rules import load_rules
from recon_assets.settings import DEFAULT_RULES_DIR, Settings
from recon_assets.sources.catalog import SOURCES
from recon_assets.sql import statements
from recon_assets.warehouse_bigquery import BigQueryWarehouse, bigquery_ddl, transpile
from recon_assets_tests.bigquery.standin import DATASET, PROJECT, StandIn

NIGHT = date(2025, 3, 30)
RULES_DIR = DEFAULT_RULES_DIR


def _split(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]


def test_a_session_creates_missing_tables_joins_one_session_and_ends_it(
    bigquery: BigQueryWarehouse, standin: StandIn, httpserver
) -> None:
    standin.tables = [t for t in bigquery_ddl() if t not in ("leg_facts", "shipments")]
    bigquery.query("SELECT COUNT(*) AS n FROM leg_facts WHERE recon_date = $d", {"d": NIGHT})
    bigquery.query("SELECT COUNT(*) AS n FROM leg_facts WHERE recon_date = $d", {"d": NIGHT})

    ddl, first, abort, second, abort_again = standin.queries
    assert _split(ddl.sql) == [bigquery_ddl()["leg_facts"], bigquery_ddl()["shipments"]]
    assert "PARTITION BY recon_date CLUSTER BY check_name, key" in ddl.sql
    assert ddl.creates_session and not first.creates_session
    assert first.joined_session == abort.joined_session == ddl.session_id
    assert abort.sql == "CALL BQ.ABORT_SESSION()"
    # Each warehouse.query is its own session; the tables are listed once per warehouse.
    assert second.creates_session and abort_again.joined_session == second.session_id
    assert second.session_id != ddl.session_id
    assert sum(r.path.endswith("/tables") for r, _ in httpserver.log) == 1
    for job in standin.queries:
        config = job.configuration["query"]
        assert config["defaultDataset"] == {"projectId": PROJECT, "datasetId": DATASET}
        assert job.configuration["labels"] == {"app": "recon_assets"}


def test_parameters_are_bound_with_their_types_never_formatted(
    bigquery: BigQueryWarehouse, standin: StandIn
) -> None:
    standin.tables = list(bigquery_ddl())
    bigquery.query(
        "SELECT * FROM classified_variances WHERE recon_date = $d AND age_days >= $age "
        "AND key = $key AND (accepted_rule IS NULL) = $open AND amount_minor < $cap "
        "AND CAST($at AS TIMESTAMP) IS NOT NULL",
        {
            "d": NIGHT,
            "age": 3,
            "key": "80213",
            "open": True,
            "cap": np.int64(10**12),
            "at": datetime(2025, 3, 30, 1, 0, tzinfo=UTC),
            "unused": "never sent",
        },
    )
    job = standin.queries[0]
    assert job.parameters == {
        "d": ("DATE", "2025-03-30"),
        "age": ("INT64", "3"),
        "key": ("STRING", "80213"),
        "open": ("BOOL", "true"),
        "cap": ("INT64", str(10**12)),
        "at": ("TIMESTAMP", "2025-03-30 01:00:00+00:00"),
    }
    assert "WHERE recon_date = @d AND age_days >= @age AND key = @key" in job.sql
    assert "80213" not in job.sql and "2025" not in job.sql


def test_a_failing_end_of_session_is_logged_and_never_hides_the_error_before_it(
    bigquery: BigQueryWarehouse, standin: StandIn, caplog
) -> None:
    standin.tables = list(bigquery_ddl())
    standin.fail(lambda sql: "no_such_table" in sql, "Not found: Table no_such_table")
    standin.fail(lambda sql: sql == "CALL BQ.ABORT_SESSION()", "Session has expired")
    with pytest.raises(BadRequest, match="no_such_table"), bigquery.session() as session:
        session.execute("SELECT 1 FROM leg_facts WHERE recon_date = $d", {"d": NIGHT})
        session.execute("SELECT * FROM no_such_table")
    assert [j.sql for j in standin.queries][-1] == "CALL BQ.ABORT_SESSION()"
    assert "could not end BigQuery session" in caplog.text
    assert "Session has expired" in caplog.text


def test_a_failing_end_of_session_after_success_is_raised(
    bigquery: BigQueryWarehouse, standin: StandIn
) -> None:
    standin.tables = list(bigquery_ddl())
    standin.fail(lambda sql: sql == "CALL BQ.ABORT_SESSION()", "Session has expired")
    with pytest.raises(BadRequest, match="Session has expired"):
        bigquery.query("SELECT 1 AS n FROM leg_facts WHERE recon_date = $d", {"d": NIGHT})


def test_a_missing_parameter_fails_before_anything_runs(
    bigquery: BigQueryWarehouse, standin: StandIn
) -> None:
    standin.tables = list(bigquery_ddl())
    with pytest.raises(KeyError, match="recon_date"), bigquery.session() as session:
        session.query("SELECT * FROM leg_facts WHERE recon_date = $recon_date")
    assert [j.sql for j in standin.queries] == []


def _orders_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": ["e1", "e2"],
            "order_id": ["80213", "80214"],
            "event_type": ["order", "refund"],
            "event_ts": ["2025-03-30T10:00:00+01:00", "2025-03-30T11:00:00+01:00"],
            "currency": ["GBP", "JPY"],
            "amount_minor": [1250, 700],
            "units": [1, 0],
            "payment_method": ["card", "paypal"],
        }
    )


def test_replace_partition_loads_then_deletes_and_inserts_in_one_transaction(
    bigquery: BigQueryWarehouse, standin: StandIn
) -> None:
    standin.tables = list(bigquery_ddl())
    bigquery.replace_partition(
        "storefront_orders", {"business_date": "2025-03-30"}, _orders_frame()
    )

    (load,) = standin.loads
    config = load.configuration["load"]
    assert config["destinationTable"] == {
        "projectId": PROJECT,
        "datasetId": "_SESSION",
        "tableId": "_incoming_storefront_orders",
    }
    assert config["writeDisposition"] == "WRITE_TRUNCATE"
    types = {f["name"]: f["type"] for f in config["schema"]["fields"]}
    assert types["business_date"] == "DATE" and types["amount_minor"] == "INT64"
    assert load.frame["business_date"].tolist() == [date(2025, 3, 30)] * 2
    assert load.frame["amount_minor"].tolist() == [1250, 700]

    script, abort = standin.queries
    begin, delete, insert, commit = _split(script.sql)
    assert (begin, commit) == ("BEGIN TRANSACTION", "COMMIT TRANSACTION")
    assert delete == "DELETE FROM `storefront_orders` WHERE `business_date` = @business_date"
    assert insert.startswith("INSERT INTO storefront_orders (event_id, order_id,")
    assert insert.endswith("FROM (SELECT * FROM _incoming_storefront_orders) AS incoming")
    assert script.parameters == {"business_date": ("DATE", "2025-03-30")}
    # The load opened the session; the script and the end of the session joined it.
    assert load.creates_session
    assert script.joined_session == abort.joined_session == load.session_id


def test_replace_partition_inside_a_transaction_joins_it(
    bigquery: BigQueryWarehouse, standin: StandIn
) -> None:
    standin.tables = list(bigquery_ddl())
    frame = pd.DataFrame({"delivered": [True], "file_name": [None], "row_count": [0]})
    with bigquery.session() as session, session.transaction():
        session.replace_partition(
            "source_deliveries", {"business_date": NIGHT, "source": "shipments"}, frame
        )
    sqls = [j.sql for j in standin.queries]
    assert sqls[0] == "BEGIN TRANSACTION" and sqls[2:] == [
        "COMMIT TRANSACTION",
        "CALL BQ.ABORT_SESSION()",
    ]
    assert [s.split(" ")[0] for s in _split(sqls[1])] == ["DELETE", "INSERT"]
    assert standin.queries[1].parameters == {
        "business_date": ("DATE", "2025-03-30"),
        "source": ("STRING", "shipments"),
    }
    assert len({j.session_id for j in standin.jobs}) == 1


def test_the_matching_sql_runs_inside_bigquery_in_one_session(
    bigquery: BigQueryWarehouse, standin: StandIn
) -> None:
    standin.tables = list(bigquery_ddl())
    standin.answer(
        lambda sql: sql.startswith("SELECT MAX(recon_date) AS d"),
        [{"name": "d", "type": "DATE", "mode": "NULLABLE"}],
        [[None]],
    )
    standin.answer(
        lambda sql: "AS read_from" in sql,
        [{"name": "read_from", "type": "DATE", "mode": "NULLABLE"}],
        [["2025-02-23"]],
    )
    standin.answer(
        lambda sql: "AS added" in sql,
        [{"name": "added", "type": "INTEGER", "mode": "NULLABLE"}],
        [["3"]],
    )
    standin.answer(
        lambda sql: "AS found" in sql,
        [{"name": "found", "type": "BOOLEAN", "mode": "NULLABLE"}],
        [["true"]],
    )
    with bigquery.session() as session:
        run_matching(session, load_rules(RULES_DIR), NIGHT)

    assert {j.session_id for j in standin.jobs} == {standin.jobs[0].session_id}
    loaded = [j.configuration["load"]["destinationTable"] for j in standin.loads]
    assert {t["datasetId"] for t in loaded} == {"_SESSION"}
    assert {"leg_parts", "chart_accounts", "key_mappings"} <= {t["tableId"] for t in loaded}
    sent = [j.sql for j in standin.queries]
    expected = [transpile(s).sql for step in MATCHING_STEPS for s in statements(step)]
    expected += [transpile(s).sql for s in statements("reconciliation/carried")]
    assert set(expected) <= set(sent)
    universes = [j for j in standin.queries if "CREATE OR REPLACE TEMPORARY TABLE u_" in j.sql]
    assert [j.parameters["source_name"][1] for j in universes] == [s.name for s in SOURCES]
    for job in universes:
        assert "s.business_date >= @window_start AND s.business_date < @recon_date" in job.sql
        assert job.parameters["window_start"][0] == job.parameters["recon_date"][0] == "DATE"
    # Something is stored before the night: its keys link the window's records to it.
    (linking,) = [j for j in standin.queries if "TEMPORARY TABLE window_keys" in j.sql]
    assert linking.parameters["has_history"] == ("BOOL", "true")
    # The entities read the rest of their records: one insert per source.
    members = [j for j in standin.queries if j.sql.startswith("INSERT INTO u_")]
    assert [j.parameters["source_name"][1] for j in members] == [s.name for s in SOURCES]
    # Each source's universe gives its memory back once the entities are summed, before
    # matched_ledger's largest join.
    sent_order = [j.sql for j in standin.queries]
    drops = [i for i, sql in enumerate(sent_order) if sql.startswith("DROP TABLE u_")]
    assert [sent_order[i].removeprefix("DROP TABLE ") for i in drops] == [
        f"u_{s.name}" for s in SOURCES
    ]
    (totals,) = [i for i, sql in enumerate(sent_order) if "TABLE tonight_entity_totals AS" in sql]
    (ledger,) = [i for i, sql in enumerate(sent_order) if "TABLE tonight_matched_ledger AS" in sql]
    assert totals < min(drops) and max(drops) < ledger
    for kept in KEPT_TABLES.values():
        (delete,) = [j for j in standin.queries if j.sql.startswith(f"DELETE FROM {kept} ")]
        assert delete.sql.endswith("WHERE recon_date = @recon_date")
        assert delete.parameters == {"recon_date": ("DATE", "2025-03-30")}
    # No night before this one: the carried-over breaks are read for the earliest date.
    carried = [j for j in standin.queries if "prev_date" in j.parameters]
    assert carried and {j.parameters["prev_date"] for j in carried} == {("DATE", "0001-01-01")}


def test_build_resources_picks_bigquery_from_the_environment(monkeypatch, settings) -> None:
    monkeypatch.setenv("RECON_WAREHOUSE", "bigquery")
    monkeypatch.setenv("RECON_BQ_PROJECT", "acme-finance")
    monkeypatch.setenv("RECON_BQ_DATASET", "recon")
    monkeypatch.setenv("RECON_BQ_LOCATION", "europe-west2")
    warehouse = build_resources(Settings.from_env())["warehouse"]
    assert isinstance(warehouse, BigQueryWarehouse)
    assert (warehouse.project, warehouse.dataset, warehouse.location) == (
        "acme-finance",
        "recon",
        "europe-west2",
    )
    assert warehouse.api_endpoint is None and warehouse.dialect == "bigquery"
    monkeypatch.setenv("RECON_BQ_API_ENDPOINT", "http://127.0.0.1:9050")
    assert build_resources(Settings.from_env())["warehouse"].api_endpoint == "http://127.0.0.1:9050"


@pytest.mark.parametrize("unset", ["RECON_BQ_PROJECT", "RECON_BQ_DATASET"])
def test_a_missing_bigquery_variable_is_named(monkeypatch, settings, unset: str) -> None:
    monkeypatch.setenv("RECON_WAREHOUSE", "bigquery")
    monkeypatch.setenv("RECON_BQ_PROJECT", "acme-finance")
    monkeypatch.setenv("RECON_BQ_DATASET", "recon")
    monkeypatch.delenv(unset)
    with pytest.raises(ValueError, match=f"needs {unset} set"):
        build_resources(Settings.from_env())

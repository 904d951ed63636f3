"""The seven source assets: read the night's landing file, store it, check it (blocking)."""

import dataclasses

import dagster as dg
import pandas as pd
import pandera.pandas as pa

from recon_assets.history import Fingerprint
from recon_assets.metadata import money_metadata
from recon_assets.partitions import SINGLE_RUN, each_night
from recon_assets.sources.catalog import SOURCES, SourceSpec
from recon_assets.sources.landing import (
    ALLOW_EMPTY_HINT,
    LandingError,
    LandingFolderError,
    LandingSource,
    Problem,
    schema_problems,
)
from recon_assets.sources.schemas import TEXT
from recon_assets.staging import for_run, publish_if_last
from recon_assets.warehouse import Warehouse

# Check names.
MATCHES_CANONICAL_SCHEMA = "matches_canonical_schema"
DELIVERED = "delivered"

SOURCES_GROUP = "sources"


def money_totals(frame: pd.DataFrame, spec: SourceSpec) -> dict[str, dict[str, int]]:
    """Σ of each money column per currency, in minor units (the figures a person ties out)."""
    if not spec.money_columns or frame.empty:
        return {}
    sums = frame.groupby("currency")[list(spec.money_columns)].sum().sort_index()
    return {cur: {c: int(v) for c, v in row.items()} for cur, row in sums.iterrows()}


def problems_table(problems: list[Problem]) -> dg.TableMetadataValue:
    columns = ["file", "row", "column", "value", "message"]
    return dg.MetadataValue.table(
        records=[dg.TableRecord({c: getattr(p, c) for c in columns}) for p in problems],
        schema=dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in columns]),
    )


def schema_check_result(spec: SourceSpec, stored: pd.DataFrame) -> dg.AssetCheckResult:
    """Runs the pandera model on the partition as stored; failure cases become metadata."""
    # Typed as the reader types them (the model checks Arrow strings).
    text = {c: TEXT for c in spec.columns if c not in spec.int_columns}
    try:
        spec.model.validate(stored.astype(text), lazy=True)
    except pa.errors.SchemaErrors as err:
        problems, total = schema_problems(
            err.failure_cases, spec, f"warehouse table {spec.name}", lambda i: f"row {i}"
        )
        return dg.AssetCheckResult(
            check_name=MATCHES_CANONICAL_SCHEMA,
            passed=False,
            metadata={"failures": total, "failure_cases": problems_table(problems)},
        )
    return dg.AssetCheckResult(
        check_name=MATCHES_CANONICAL_SCHEMA, passed=True, metadata={"rows_checked": len(stored)}
    )


def refuse_to_forget_a_delivery(
    warehouse: Warehouse, spec: SourceSpec, business_date: str, landing_dir: str
) -> None:
    """A file the night was reconciled with has gone: a wrong folder more often than a
    withdrawn delivery, so the stored rows stay unless the operator says otherwise."""
    stored = warehouse.query(
        "SELECT file_name FROM source_deliveries "
        "WHERE business_date = $d AND source = $s AND delivered",
        {"d": business_date, "s": spec.name},
    )
    if len(stored):
        error = LandingFolderError(
            f"{spec.name}/{stored['file_name'].iloc[0]} was delivered for {business_date} and "
            f"is stored, but is not in {landing_dir}: check the landing folder, or "
            f"{ALLOW_EMPTY_HINT}"
        )
        raise dg.Failure(description=str(error)) from error


def build_source_asset(
    spec: SourceSpec, partitions_def: dg.PartitionsDefinition, warehouse_kind: str
) -> dg.AssetsDefinition:
    @dg.asset(
        name=spec.name,
        description=spec.description,
        group_name=SOURCES_GROUP,
        partitions_def=partitions_def,
        backfill_policy=SINGLE_RUN,
        kinds={warehouse_kind, "csv"},
        check_specs=[
            dg.AssetCheckSpec(
                MATCHES_CANONICAL_SCHEMA,
                asset=spec.name,
                blocking=True,
                description="The night's file, as stored, has the columns and values agreed.",
                partitions_def=partitions_def,
            ),
            dg.AssetCheckSpec(
                DELIVERED,
                asset=spec.name,
                description="The source sent its file for the night (a missing file warns).",
                partitions_def=partitions_def,
            ),
        ],
    )
    def _source(
        context: dg.AssetExecutionContext,
        landing: LandingSource,
        warehouse: dg.ResourceParam[Warehouse],
    ):
        staged = for_run(warehouse, context)
        yield from each_night(
            context,
            lambda night: load_night(context, landing, staged, night),
            finish=lambda results: publish_if_last(staged, context, results),
        )

    def load_night(
        context: dg.AssetExecutionContext,
        landing: LandingSource,
        warehouse: Warehouse,
        business_date: str,
    ) -> dg.MaterializeResult:
        try:
            landed = landing.read(spec, business_date)
        except LandingFolderError as err:
            raise dg.Failure(description=str(err)) from err
        except LandingError as err:
            raise dg.Failure(
                description=f"{spec.name} for {business_date} was rejected: {err}",
                metadata={
                    "problems": len(err.problems),
                    "failure_cases": problems_table(err.problems),
                },
            ) from err

        if not landed.delivered and not landing.allow_empty:
            refuse_to_forget_a_delivery(warehouse, spec, business_date, landing.landing_dir)
        partition = {"business_date": business_date}
        warehouse.replace_partition(spec.name, partition, landed.frame)
        fingerprint = dataclasses.asdict(Fingerprint.of(landed.path))
        delivery = pd.DataFrame(
            [{"delivered": landed.delivered, "row_count": len(landed.frame), **fingerprint}]
        ).astype({"file_size": "Int64", "file_mtime_ns": "Int64"})
        warehouse.replace_partition(
            "source_deliveries", {**partition, "source": spec.name}, delivery
        )
        stored = warehouse.query(
            f"SELECT * EXCLUDE (business_date) FROM {spec.name} "
            f"WHERE business_date = $d ORDER BY {spec.key}",
            {"d": business_date},
        )
        not_delivered = f"source {spec.name} not delivered for {business_date}"
        if not landed.delivered:
            context.log.warning(not_delivered)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": len(stored),
                "delivered": landed.delivered,
                "file": str(landed.path) if landed.path else "not delivered",
                **money_metadata(money_totals(stored, spec)),
            },
            check_results=[
                schema_check_result(spec, stored),
                dg.AssetCheckResult(
                    check_name=DELIVERED,
                    passed=landed.delivered,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=None if landed.delivered else not_delivered,
                ),
            ],
        )

    return _source


def build_source_assets(
    partitions_def: dg.PartitionsDefinition, warehouse_kind: str
) -> list[dg.AssetsDefinition]:
    return [build_source_asset(spec, partitions_def, warehouse_kind) for spec in SOURCES]

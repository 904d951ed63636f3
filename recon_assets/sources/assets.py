"""The seven source assets: read the night's landing file, store it, check it (blocking)."""

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd

from recon_assets.checks import DELIVERED
from recon_assets.history import Fingerprint
from recon_assets.metadata import money_metadata
from recon_assets.partitions import SINGLE_RUN, each_night
from recon_assets.rules import Scope, load_scope
from recon_assets.rules_resource import RulesResource
from recon_assets.sources.catalog import SOURCES, SourceSpec
from recon_assets.sources.landing import (
    ALLOW_EMPTY_HINT,
    LandingError,
    LandingFolderError,
    Problem,
)
from recon_assets.sources.resource import LandingSource
from recon_assets.sql import statements
from recon_assets.staging import for_run, publish_if_last
from recon_assets.warehouse import Warehouse

# Check names.
MATCHES_CANONICAL_SCHEMA = "matches_canonical_schema"

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


def schema_check_result(frame: pd.DataFrame) -> dg.AssetCheckResult:
    """The pandera model passed on the whole file as read; a file that fails it is refused
    with its problems before anything is stored, so a stored partition always passed it."""
    return dg.AssetCheckResult(
        check_name=MATCHES_CANONICAL_SCHEMA, passed=True, metadata={"rows_checked": len(frame)}
    )


def refuse_to_forget_a_delivery(
    warehouse: Warehouse, spec: SourceSpec, business_date: str, landing_dir: str
) -> None:
    """A file the night was reconciled with has gone: a wrong folder more often than a
    withdrawn delivery, so the stored rows stay unless the operator says otherwise."""
    (query,) = statements("sources/stored_delivery")
    stored = warehouse.query(query, {"d": business_date, "s": spec.name})
    if len(stored):
        error = LandingFolderError(
            f"{spec.name}/{stored['file_name'].iloc[0]} was delivered for {business_date} and "
            f"is stored, but is not in {landing_dir}: check the landing folder, or "
            f"{ALLOW_EMPTY_HINT}"
        )
        raise dg.Failure(description=str(error)) from error


def build_source_asset(
    spec: SourceSpec,
    partitions_def: dg.PartitionsDefinition,
    warehouse_kind: str,
    deps: Sequence[str] = (),
) -> dg.AssetsDefinition:
    @dg.asset(
        name=spec.name,
        deps=list(deps),
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
                description="The night's file has the columns and values agreed (a file that "
                "has not is refused before anything of it is stored).",
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
        rules: RulesResource,
    ):
        scope = load_scope(Path(rules.rules_dir))
        staged = for_run(warehouse, context)
        yield from each_night(
            context,
            lambda night: [load_night(context, landing, staged, scope, night)],
            finish=lambda results: publish_if_last(staged, context, results),
        )

    def load_night(
        context: dg.AssetExecutionContext,
        landing: LandingSource,
        warehouse: Warehouse,
        scope: Scope,
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
        fingerprint = dataclasses.asdict(Fingerprint.of(landed.path))
        delivery = pd.DataFrame(
            [{"delivered": landed.delivered, "row_count": len(landed.frame), **fingerprint}]
        ).astype({"file_size": "Int64", "file_mtime_ns": "Int64"})
        # The rows and their delivery note together, in one session (a session's set-up is
        # most of a small night's cost).
        with warehouse.session() as session, session.transaction():
            session.replace_partition(spec.name, partition, landed.frame)
            session.replace_partition(
                "source_deliveries", {**partition, "source": spec.name}, delivery
            )
        not_delivered = f"source {spec.name} not delivered for {business_date}"
        # A system the retailer does not have (yet) is not expected to deliver.
        expected = scope.in_scope(spec.name, date.fromisoformat(business_date))
        why_not = None
        if not landed.delivered and expected:
            why_not = not_delivered
            context.log.warning(not_delivered)
        elif not landed.delivered:
            why_not = f"{spec.name} is not in scope: {scope.why_not(spec.name)}"
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": len(landed.frame),
                "delivered": landed.delivered,
                "file": str(landed.path) if landed.path else "not delivered",
                **money_metadata(money_totals(landed.frame, spec)),
            },
            check_results=[
                schema_check_result(landed.frame),
                dg.AssetCheckResult(
                    check_name=DELIVERED,
                    passed=landed.delivered or not expected,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=why_not,
                ),
            ],
        )

    return _source


def build_source_assets(
    partitions_def: dg.PartitionsDefinition,
    warehouse_kind: str,
    deps: Mapping[str, Sequence[str]] | None = None,
) -> list[dg.AssetsDefinition]:
    """The seven sources; `deps` names the extracts upstream of a source (its API feeds)."""
    return [
        build_source_asset(spec, partitions_def, warehouse_kind, (deps or {}).get(spec.name, ()))
        for spec in SOURCES
    ]

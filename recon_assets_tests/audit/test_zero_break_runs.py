"""A run that kept no break is still a run: the audit trail knows which run came first."""

from __future__ import annotations

from recon_assets.audit.history import night_as_reported, night_runs
from recon_assets.runner import dagster_instance, materialize_night
from recon_assets_tests.books import Books, day


def test_a_clean_first_run_stays_the_first_run_after_a_rerun_finds_a_break(settings, warehouse):
    books = Books()
    books.web_sale(day(1), "1001")
    books.write(settings.landing_dir, 1)
    instance = dagster_instance(settings)
    night = day(1).isoformat()
    upstream = ["*classified_variances"]
    materialize_night(settings, night, instance=instance, selection=upstream)

    # The OMS file is re-delivered without the order, and the night is run again.
    books.drop("oms_orders", day(1), order_id="1001")
    books.write(settings.landing_dir, 1)
    materialize_night(settings, night, instance=instance, selection=upstream)

    with warehouse.session() as session:
        runs = night_runs(session, day(1))
        assert runs["breaks"].tolist() == [0, 1]
        # What went out that morning: nothing; what the rerun says: the missing OMS record.
        assert night_as_reported(session, day(1)).empty
        rerun = night_as_reported(session, day(1), runs["run_id"].iloc[-1])
        assert rerun[["check_name", "key", "class"]].values.tolist() == [
            ["sale_vs_oms", "1001", "timing"]
        ]

import importlib

from django.db import migrations

# PostgreSQL only, as 0010 (its `run`): SQLite reads by simple-history's portable `as_of`.
run = importlib.import_module("milestones.migrations.0010_rating_history_validity").run

TABLE = "milestones_historicalmilestonestatus"

# The ratings as they stood at a moment (`core.history.as_of_queryset`, the range of 0010)
# read by the past dashboard (`reports.selectors.current.moment_lists`) and "since last
# month end" (`reports.selectors.past.rollups_at`) need only these columns: with them in
# an index of the range the moment's 20,000 ratings come from an index-only scan (~2,300
# index pages) instead of ~7,900 heap pages scattered over the history. The range's own
# columns are included too: PostgreSQL scans an expression index index-only only when
# every column the query names, the expression's among them, is in it. SP-GiST rather
# than 0010's GiST, which it replaces (the same range, the same `@>`): at large scale its
# index-only scan of a moment took 9 ms against GiST's 20 ms, and it is 32 MB against 55.
COVERED = (
    "history_date",
    "valid_until",
    "history_type",
    "history_id",
    "milestone_id",
    "activity_id",
    "rag",
    "severity",
    "slip_days",
    "forecast_end",
    "actual_date",
    "actual_end",
)
FORWARD = [
    f"CREATE INDEX ms_hist_status_valid_cover_idx ON {TABLE} USING spgist "
    f"(tstzrange(history_date, valid_until)) INCLUDE ({', '.join(COVERED)})",
    "DROP INDEX IF EXISTS ms_hist_status_valid_idx",
    # An index-only scan reads the heap for every page not marked all-visible: each rating
    # written updates its milestone's previous row (its end, 0010's trigger), so the daily
    # re-rate leaves hundreds of pages unmarked until a vacuum. Vacuumed after 1 % of the
    # rows changed or were added, not the default 20 % (54,000 rows at large scale).
    f"ALTER TABLE {TABLE} SET (autovacuum_vacuum_scale_factor = 0.01, "
    "autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02)",
    f"ANALYZE {TABLE}",
]
BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS ms_hist_status_valid_idx ON {TABLE} USING gist "
    "(tstzrange(history_date, valid_until))",
    "DROP INDEX IF EXISTS ms_hist_status_valid_cover_idx",
    f"ALTER TABLE {TABLE} RESET (autovacuum_vacuum_scale_factor, "
    "autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("milestones", "0011_history_validity_activity_round"),
    ]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]

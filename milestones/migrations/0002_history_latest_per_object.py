# An index per history table for "the latest row of each object at a moment"
# (reports.snapshot.as_of_queryset: DISTINCT ON (id) ... ORDER BY id, history_date,
# history_id, all descending, on PostgreSQL; NOT EXISTS on the same columns elsewhere).
# The bench (python manage.py bench) showed the point-in-time dashboard sorting the
# whole milestone history on disk without it. django-simple-history builds the
# historical models itself, so the index is plain SQL and the model state is unchanged.

from django.db import migrations

TABLES = {
    "milestones_historicalmilestone": "ms_hist_milestone_latest_idx",
    "milestones_historicalactivity": "ms_hist_activity_latest_idx",
    "milestones_historicalprogressupdate": "ms_hist_update_latest_idx",
    "milestones_historicalroundobligation": "ms_hist_obligation_latest_idx",
    "milestones_historicaldependency": "ms_hist_dependency_latest_idx",
    "milestones_historicalmunicipalityrollout": "ms_hist_rollout_latest_idx",
}


class Migration(migrations.Migration):

    dependencies = [
        ("milestones", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX {name} ON {table} (id, history_date, history_id)",
            reverse_sql=f"DROP INDEX {name}",
        )
        for table, name in TABLES.items()
    ]

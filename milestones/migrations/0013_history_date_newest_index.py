# An index per large history table for "the newest history row at a moment", the page's
# stamp at a past moment (core.cache._stamp_sql: ORDER BY history_date DESC, history_id
# DESC LIMIT 1 WHERE history_date <= the moment): one probe backwards from the moment.
# The composite (history_date, id) index simple-history builds orders a date's rows by
# the object's id, and the generator writes thousands of rows at one date (20,000
# milestones), so the newest by history_id among them was a sort of all of them.
# Plain SQL, as 0002: django-simple-history builds the historical models itself, and the
# model state is unchanged. At the large scale about 1-2 s (777,000 milestone rows).

from django.db import migrations

TABLES = {
    "milestones_historicalmilestone": "ms_hist_milestone_newest_idx",
    "milestones_historicalactivity": "ms_hist_activity_newest_idx",
    "milestones_historicalprogressupdate": "ms_hist_update_newest_idx",
    "milestones_historicalroundobligation": "ms_hist_obligation_newest_idx",
    "milestones_historicaldependency": "ms_hist_dependency_newest_idx",
}


class Migration(migrations.Migration):
    dependencies = [
        ("milestones", "0012_rating_history_covering_index"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX {name} ON {table} (history_date, history_id)",
            reverse_sql=f"DROP INDEX {name}",
        )
        for table, name in TABLES.items()
    ]

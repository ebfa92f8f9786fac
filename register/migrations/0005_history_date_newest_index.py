# The newest history row of the register's steps at a moment, one probe (the page's stamp
# at a past moment, core.cache._stamp_sql): see milestones 0013. The generator writes the
# 15,000 steps' rows at one date. At the large scale well under a second.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0004_history_validity_entry_step"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX reg_hist_step_newest_idx ON register_historicalstep "
            "(history_date, history_id)",
            reverse_sql="DROP INDEX reg_hist_step_newest_idx",
        )
    ]

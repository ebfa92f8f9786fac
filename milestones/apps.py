from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MilestonesConfig(AppConfig):
    name = "milestones"
    verbose_name = _("Plan og milepæle")

    def ready(self):
        # The materialised status follows every write that records history
        # (milestones.services.status), in the same transaction.
        from django.db.models.signals import post_delete, post_save
        from simple_history.signals import post_create_historical_record

        from .models import Activity, Baseline, BaselineEntry, Milestone
        from .services.status import baseline_entry_written, history_written

        for model in (Milestone, Activity, Baseline):
            post_create_historical_record.connect(
                history_written,
                sender=model.history.model,
                dispatch_uid=f"materialised-status-{model._meta.label_lower}",
            )
        # Baseline entries have no history: one written on its own is followed here.
        for signal in (post_save, post_delete):
            signal.connect(
                baseline_entry_written,
                sender=BaselineEntry,
                dispatch_uid=f"materialised-status-baselineentry-{signal is post_save}",
            )

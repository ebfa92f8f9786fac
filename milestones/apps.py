from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MilestonesConfig(AppConfig):
    name = "milestones"
    verbose_name = _("Plan og milepæle")

    def ready(self):
        # The materialised status follows every write that records history
        # (milestones.services.status), in the same transaction.
        from django.db.models.signals import post_save
        from simple_history.signals import post_create_historical_record

        from .models import Activity, Baseline, BaselineEntry, Milestone
        from .services.status import baseline_entry_written, history_written

        for model in (Milestone, Activity, Baseline):
            post_create_historical_record.connect(
                history_written,
                sender=model.history.model,
                dispatch_uid=f"materialised-status-{model._meta.label_lower}",
            )
        # Baseline entries have no history: one saved on its own is followed here (an
        # entry is deleted only with its milestone or baseline, which are followed above).
        post_save.connect(
            baseline_entry_written,
            sender=BaselineEntry,
            dispatch_uid="materialised-status-baselineentry",
        )

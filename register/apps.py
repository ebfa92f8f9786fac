from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = _("SHAK-afhængigheder")

    def ready(self):
        # The materialised readiness follows every entry and step save that records
        # history (register.readiness), in the same transaction.
        from simple_history.signals import post_create_historical_record

        from .models import Entry, Step
        from .readiness import history_written

        for model in (Entry, Step):
            post_create_historical_record.connect(
                history_written,
                sender=model.history.model,
                dispatch_uid=f"materialised-readiness-{model._meta.label_lower}",
            )

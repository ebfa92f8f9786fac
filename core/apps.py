from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared mechanisms below every app (docs/architecture.md). No models, no domain."""

    name = "core"
    label = "core"
    verbose_name = _("Fælles mekanismer")

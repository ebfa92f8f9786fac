"""Where a row's values come from: a status stated in the plan's documents or inferred
from them, and the fields that hold illustrative demo values."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatusSource(models.TextChoices):
    """Where a status comes from: the SOR-team, the plan's own words, or a
    conclusion drawn from them (shown with its note, e.g. "udledt af planen")."""

    TEAM = "team", _("Sat i sorplan")
    STATED = "stated", _("Oplyst i planen")
    INFERRED = "inferred", _("Udledt af planen")


class Provenance(models.Model):
    """An activity's or milestone's status source and demo marks (per field, so the
    seeds' own facts on the same row stay facts)."""

    status_source = models.CharField(
        _("statuskilde"), max_length=20, choices=StatusSource.choices, default=StatusSource.TEAM
    )
    status_note = models.CharField(
        _("note til status"),
        max_length=300,
        blank=True,
        help_text=_("Fx hvorfor status er udledt af planen."),
    )
    demo_fields = models.JSONField(
        _("demofelter"),
        default=list,
        blank=True,
        help_text=_("Felter med illustrative demodata; de øvrige er planens egne oplysninger."),
    )

    class Meta:
        abstract = True

    @property
    def is_demo(self) -> bool:
        """Some field holds an illustrative demo value (the row itself is the plan's)."""
        return bool(self.demo_fields)

    @property
    def status_is_inferred(self) -> bool:
        return self.status_source == StatusSource.INFERRED

"""A history row's end, for the histories read at a moment in bulk."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HistoryValidity(models.Model):
    """A history row's end: the date of the next history row of the same object (None
    while it is the latest). A moment's rows are then those whose [history_date,
    valid_until) holds it, found by one GiST index of that range instead of a probe per
    object for its latest row (`core.history.as_of_queryset`). Kept by a PostgreSQL
    trigger on every insert and delete of history rows, whoever writes them: the
    services, the bulk copies, the backfill's COPY. The ratings (milestones migration
    0010), the activities, the reporting rounds' obligations and the progress updates
    (0011) and the register's entries and steps (register 0004): a past dashboard reads
    all of them as they stood."""

    valid_until = models.DateTimeField(_("gælder til"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

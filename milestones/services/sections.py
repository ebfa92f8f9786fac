"""Sections that the apps above `milestones` add to a party's progress update.

A party's monthly update carries proposals beyond its milestones' dates (the SHAK
register's entries: their state, plan texts and step dates). `milestones` may not
import those apps (docs/architecture.md), so each names its section in the setting
`PROGRESS_UPDATE_SECTIONS`; the update's form, its save, its page and the SOR-team's
review call them here, the same way as the update's own forecast proposals: saved
with the draft, submitted with it, accepted or rejected one by one when the update
is accepted (in the same transaction), left pending when it is returned.

A section (an object named by its dotted path) offers:

- `key`: a short name (the review form's tick boxes are `<key>_<pk>`);

- `bind(*, round_, party, activity, update, data=None) -> bound`: the section's
  forms for one update (`data` is the POST, or None for the unbound form). `bound`
  has `template` (included in the update's form), `forms` (for the error summary),
  `is_valid()` and `save(*, update, user)` (called inside the update's save), and
  may have `prepare_html(request)`, called before the form is rendered (e.g. to set
  the HTML of its unbound forms from the cache).
- `review_items(update) -> list[ReviewItem]`: its pending proposals, one tick box
  each on the review form.
- `accept(*, update, accepted_ids, user, reason) -> int`: apply the ticked
  proposals (history reason `reason`, naming the update), reject the others;
  returns how many were applied.
- `detail(update) -> dict`, with `template`: what the update's page shows of it.
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ReviewItem:
    """A pending proposal of a section, as a tick box on the review form."""

    section: str
    pk: int
    label: str
    disabled: bool = False

    @property
    def field_name(self) -> str:
        return f"{self.section}_{self.pk}"


@cache
def update_sections() -> tuple:
    """The sections named in `PROGRESS_UPDATE_SECTIONS`, each with its `key`."""
    return tuple(import_string(path) for path in settings.PROGRESS_UPDATE_SECTIONS)

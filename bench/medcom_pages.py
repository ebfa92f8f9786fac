"""MedCom's matrix in the bench: a real edit for the cold figures of its pages.

Its pages are in `bench/pages.py` (with `edit="medcom"`: cold after `real_edit()`).
"""

from bench.loaddata import PREFIX
from medcom import services
from medcom.models import Certification
from parties.access import access_for

NOTES = ("bench: redigeret", "bench")


def real_edit(user) -> None:
    """A certification row's note written through MedCom's service, as MedCom or the
    SOR-team saving the row's form does: history records it, so every page that shows
    the matrix is cold for a real reason. The row is the first synthetic one (the first
    of all when there are none), the same one each time."""
    row = (
        Certification.objects.filter(entry__key__startswith=PREFIX).order_by("pk").first()
        or Certification.objects.order_by("pk").first()
    )
    if row is None:
        return
    services.certification_set(
        access=access_for(user),
        certification_id=row.pk,
        version=row.version,
        user=user,
        data={"note": NOTES[1] if row.note == NOTES[0] else NOTES[0]},
        reason="Bench: en rigtig redigering",
    )

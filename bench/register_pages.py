"""The SHAK register in the bench: its pages, a real edit for the cold figures, and
the 5,000-row import on PostgreSQL (issue 11: under 10 s).

Its pages are in `bench/pages.py` (with `edit="register"`: cold after `real_edit()`);
the bench command calls `import_timings()` once per run.
"""

import csv
import io
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation

from parties.models import Party
from register import services
from register.imports import build_columns, register_import
from register.models import Entry, ShakState, Step

IMPORT_ROWS = 5000
IMPORT_PREFIX = "bench-import-"


def real_edit(user) -> None:
    """An edit through the register's service, as a person makes one: the pages'
    data-version stamps move, so the next request is cold for a real reason."""
    entry = Entry.objects.order_by("key").first()
    if entry is None:
        return
    description = "bench: redigeret" if entry.description != "bench: redigeret" else "bench"
    services.entry_update(
        entry_id=entry.pk,
        version=entry.version,
        user=user,
        data={"description": description},
        reason="Bench: en rigtig redigering",
        fields=("description",),
    )


def _import_file(*, rows: int, state: str, forecast: str) -> bytes:
    """A CSV with the template's Danish headers: `rows` entries spread over the
    regions and the ministry group, every fifth linked to an activity."""
    with translation.override("da"):
        columns = {c.name: c.header for c in build_columns()}
        state_label = str(ShakState(state).label)
    owners = list(
        Party.objects.filter(kind__in=[Party.Kind.REGION, Party.Kind.MINISTRY_GROUP])
        .order_by("key")
        .values_list("name", flat=True)
    ) or list(Party.objects.order_by("key").values_list("name", flat=True)[:5])
    from milestones.models import Activity

    activity = Activity.objects.order_by("key").values_list("key", flat=True).first() or ""
    names = [
        "key",
        "name",
        "kind",
        "category",
        "owner",
        "criticality",
        "state",
        "description",
        "solution_description",
        "step__tested__forecast",
        "step__in_production__forecast",
        "activities",
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([columns[n] for n in names])
    for i in range(rows):
        writer.writerow(
            [
                f"{IMPORT_PREFIX}{i:05d}",
                f"Importeret system {i:05d}",
                "System",
                "Patientjournal" if i % 3 else "Laboratorie",
                owners[i % len(owners)],
                "Middel",
                state_label,
                "Fra kortlægningen",
                "Skift til SOR-koder",
                "K1 2027",
                forecast,
                activity if i % 5 == 0 else "",
            ]
        )
    return out.getvalue().encode("utf-8")


def _timed(data: bytes, filename: str, user) -> tuple[float, int, object]:
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = register_import(data=data, filename=filename, user=user)
        elapsed = time.perf_counter() - started
    return elapsed, len(ctx.captured_queries), result


def import_timings(user, stdout) -> list[tuple[str, float, int]]:
    """Import 5,000 rows three times on PostgreSQL: new entries, the same file again
    (nothing changes), and every row changed (state and a step date). Prints and
    returns (what, seconds, queries); the imported entries are deleted afterwards."""
    results = []
    first = _import_file(rows=IMPORT_ROWS, state=ShakState.SHAK, forecast="K3 2027")
    changed = _import_file(rows=IMPORT_ROWS, state=ShakState.SHAK_AND_SOR, forecast="K4 2027")
    for what, data in (
        (f"import {IMPORT_ROWS} new rows", first),
        (f"import {IMPORT_ROWS} rows again (unchanged)", first),
        (f"import {IMPORT_ROWS} changed rows", changed),
    ):
        seconds, queries, result = _timed(data, "bench-kortlaegning.csv", user)
        counts = f"{len(result.created)}/{len(result.updated)}/{len(result.unchanged)}"
        stdout.write(
            f"  {what}: {seconds:.1f} s, {queries} queries (created/updated/unchanged {counts})"
        )
        results.append((what, seconds, queries))
    _imported_remove()
    return results


def _imported_remove() -> None:
    """The imported entries and all their history, the deletions' rows too (left
    behind, 5,000 deletions a run would be this month's history of the burn-down)."""
    imported = Entry.objects.filter(key__startswith=IMPORT_PREFIX)
    ids = list(imported.values_list("pk", flat=True))
    # No deletion rows written (20,000 single inserts, each paying the histories' end
    # trigger, only to be deleted below): the imported rows leave no trace.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        imported.delete()
    Entry.history.filter(key__startswith=IMPORT_PREFIX).delete()
    Step.history.filter(entry_id__in=ids).delete()

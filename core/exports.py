"""A list page as a file: the same URL with `?format=csv` or `?format=xlsx` added.

A list declares its columns once (`ExportColumn`: a Danish header and how to read
the value from a row); its view, after filtering and before paginating, asks
`export_response` and returns the file when one was asked for. The file holds every
row matching the filters (not one page), the filters and the moment it was made,
and the demo notice when the caller passes one; it is written by the formula-safe
writer (`core.spreadsheets`) like every file the product writes. The links are the
include `_export_links.html` (with the tag `export_url`), and the rights are the
page's own: the view has checked them before it gets here.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django import forms
from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, Sheet, csv_bytes, xlsx_bytes

FORMATS = ("csv", "xlsx")
FORMAT_PARAMETER = "format"
# Query parameters that choose a page, not rows.
NOT_FILTERS = (FORMAT_PARAMETER, "side")


@dataclass(frozen=True)
class ExportColumn:
    """One column of a list's file: its Danish header (lazy) and the row's value
    (text, number, date or datetime; dates stay dates in Excel)."""

    header: str
    value: Callable[[object], object]
    width: int | None = None


def requested_format(request) -> str | None:
    """`csv` or `xlsx` when the request asks for a file, otherwise None (the page)."""
    value = request.GET.get(FORMAT_PARAMETER, "")
    return value if value in FORMATS else None


def _display(field: forms.Field, value) -> str:
    if isinstance(value, (list, tuple, set)) or hasattr(value, "model"):
        return ", ".join(_display(field, v) for v in value)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "j. F Y")
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    choices = getattr(field, "choices", None)
    if choices is not None and not isinstance(field, forms.ModelChoiceField):
        labels = {str(k): str(v) for k, v in choices if not isinstance(v, (list, tuple))}
        return labels.get(str(value), str(value))
    return str(value)


def form_filters(form: forms.Form | None) -> list[str]:
    """The filters a bound, valid filter form applies, as "Label: value" lines."""
    if form is None or not form.is_bound or not form.is_valid():
        return []
    lines = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()) or (hasattr(value, "exists") and not value.exists()):
            continue
        lines.append(f"{field.label or name}: {_display(field, value)}")
    return lines


def export_response(
    request,
    *,
    name: str,
    title: str,
    columns: Sequence[ExportColumn],
    rows: Iterable,
    filters: Sequence[str] = (),
    demo_notice: str = "",
) -> HttpResponse:
    """The list as the file `request` asks for (see `requested_format`).

    `name` makes the file name (`<name>-<date>.<format>`), `title` its first line;
    `filters` are the lines saying what the rows were chosen by (`form_filters`),
    `demo_notice` the demo banner's text when demo data is loaded.
    """
    fmt = requested_format(request) or "csv"
    now = timezone.localtime()
    notes = [
        _("Hentet %(moment)s fra %(path)s")
        % {"moment": formats.date_format(now, "j. F Y H:i"), "path": request.path},
        _("Filtre: %(filters)s") % {"filters": "; ".join(filters)}
        if filters
        else _("Filtre: ingen (alle rækker)"),
    ]
    if demo_notice:
        notes.append(_("Demodata – illustrativ: %(notice)s") % {"notice": demo_notice})
    sheet = Sheet(
        headers=[str(c.header) for c in columns],
        rows=([c.value(row) for c in columns] for row in rows),
        title=title,
        notes=notes,
        name=title[:31] or "Ark1",
        widths={i: c.width for i, c in enumerate(columns) if c.width},
        autofilter=True,
    )
    if fmt == "xlsx":
        content, content_type = xlsx_bytes(sheet), XLSX_CONTENT_TYPE
    else:
        content, content_type = csv_bytes(sheet), CSV_CONTENT_TYPE
    filename = f"{slugify(name) or 'liste'}-{now:%Y-%m-%d}.{fmt}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

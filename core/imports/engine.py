"""Parsing, checking, previewing and writing: every row parsed and checked, every
error collected, a dry run's preview, then all rows written or none."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .reading import read_rows
from .spec import CellError, Change, ImportRefused, ImportResult, ImportSpec, Row, cell_error


def parse(spec: ImportSpec, data: bytes, filename: str) -> list[Row]:
    """Every row parsed and checked; refused with every error found."""
    errors: list[str] = []
    rows: list[Row] = []
    seen: dict[Any, int] = {}
    headers = {c.name: c.header for c in spec.columns}
    for number, raw in read_rows(spec, data, filename):
        values: dict[str, Any] = {}
        row_errors = []
        for column in spec.columns:
            if column.name not in raw:
                continue
            cell = raw[column.name]
            if cell is None and column.required:
                row_errors.append(cell_error(number, column.header, _("skal udfyldes.")))
                continue
            try:
                values[column.name] = column.parse(cell)
            except CellError as error:
                row_errors.append(cell_error(number, column.header, str(error)))
        key = spec.key_of(values)
        if key is not None and key != "":
            if key in seen:
                row_errors.append(
                    cell_error(
                        number,
                        headers[spec.key],
                        _("nøglen «%(key)s» står også i række %(other)s.")
                        % {"key": spec.key_label(key), "other": seen[key]},
                    )
                )
            else:
                seen[key] = number
        values["_key"] = key
        values["_key_cells"] = spec.key_cells(key) if key is not None and key != "" else ()
        errors.extend(row_errors)
        rows.append(Row(number, values))
    if errors:
        raise ImportRefused(errors)
    spec.prepare(rows)
    for row in rows:
        for name, message in spec.check(row):
            errors.append(cell_error(row.number, headers.get(name) if name else None, message))
    if errors:
        raise ImportRefused(errors)
    return rows


def run(spec: ImportSpec, data: bytes, *, filename: str, dry_run: bool = False) -> ImportResult:
    """Import a file: all rows or none. Raises ImportRefused with every error.

    A dry run returns the preview (creates, updates, unchanged) and writes nothing.
    """
    rows = parse(spec, data, filename)
    headers = {c.name: c.header for c in spec.columns}
    changes = []
    for row in rows:
        changed = spec.changes(row)
        if changed is None:
            changes.append(Change(row, Change.CREATE))
        elif changed:
            changes.append(Change(row, Change.UPDATE, [headers.get(n, n) for n in changed]))
        else:
            changes.append(Change(row, Change.UNCHANGED))
    result = ImportResult(filename=filename, dry_run=dry_run, changes=changes)
    if dry_run:
        return result
    reason = spec.reason(filename)
    with transaction.atomic():
        errors = []
        new = [c.row for c in changes if c.action == Change.CREATE]
        left = {id(row) for row in spec.write_new(new, reason=reason)} if new else set()
        changed = [c.row for c in changes if c.action == Change.UPDATE]
        if changed:
            left |= {id(row) for row in spec.write_changed(changed, reason=reason)}
        for change in changes:
            if change.action == Change.UNCHANGED:
                continue
            if id(change.row) not in left:
                continue  # written by write_new or write_changed
            try:
                with transaction.atomic():
                    spec.write(change.row, reason=reason)
            except ValidationError as error:
                errors.extend(_validation_messages(change.row.number, error, headers))
        if errors:
            raise ImportRefused(errors)  # leaves the outer block: nothing is kept
    return result


def _validation_messages(number: int, error: ValidationError, headers) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            cell_error(number, headers.get(name), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [cell_error(number, None, message) for message in error.messages]

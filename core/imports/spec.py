"""The import engine's vocabulary: an app's `ImportSpec` (its `Column`s), the
parsed `Row`, the preview's `Change`s and `ImportResult`, and the two errors
(`CellError` for one cell, `ImportRefused` for the whole file)."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

MAX_ROWS = 20_000


class CellError(ValueError):
    """A cell's value cannot be read; the message says why, in Danish."""


class ImportRefused(Exception):
    """The file was not imported; `errors` lists every reason (nothing was written)."""

    def __init__(self, errors: Sequence[str]):
        super().__init__("; ".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class Column:
    """One column of the file: its Danish header, the name the spec uses, its parser."""

    header: str
    name: str
    parse: Callable[[Any], Any]
    required: bool = False
    hint: str = ""
    # The values a person may pick (the template's drop-down list).
    choices: Sequence[str] = ()


@dataclass
class Row:
    number: int
    values: dict[str, Any]


@dataclass
class Change:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"

    row: Row
    action: str
    fields: list[str] = field(default_factory=list)  # headers of the changed columns

    @property
    def label(self) -> str:
        """What the preview names the row by: its name or title."""
        return str(self.row.values.get("name") or self.row.values.get("title") or "")

    @property
    def key(self):
        return self.row.values.get("_key")

    @property
    def key_cells(self) -> tuple[str, ...]:
        """The key's parts as the preview shows them, one column each (`key_cells`)."""
        return self.row.values.get("_key_cells", ())


@dataclass
class ImportResult:
    filename: str
    dry_run: bool
    changes: list[Change]

    def _with(self, action):
        return [c for c in self.changes if c.action == action]

    @property
    def created(self) -> list[Change]:
        return self._with(Change.CREATE)

    @property
    def updated(self) -> list[Change]:
        return self._with(Change.UPDATE)

    @property
    def unchanged(self) -> list[Change]:
        return self._with(Change.UNCHANGED)

    @property
    def written(self) -> int:
        return 0 if self.dry_run else len(self.created) + len(self.updated)


class ImportSpec:
    """What a file holds and how a row is saved. Subclass per kind of file."""

    columns: Sequence[Column] = ()
    key: str = "key"

    def prepare(self, rows: list[Row]) -> None:
        """Load what the rows refer to and what exists, once (not per row)."""

    def check(self, row: Row) -> Iterable[tuple[str | None, str]]:
        """Rules across a row's columns: (column name or None, message) for each problem."""
        return ()

    def changes(self, row: Row) -> list[str] | None:
        """The names of the columns this row would change; None when it is new."""
        raise NotImplementedError

    def write(self, row: Row, *, reason: str) -> None:
        raise NotImplementedError

    def write_new(self, rows: list[Row], *, reason: str) -> list[Row]:
        """Create several new records at once (a large first import); return the rows
        left for `write`. By default every row goes through `write`."""
        return rows

    def write_changed(self, rows: list[Row], *, reason: str) -> list[Row]:
        """Update several existing records at once (a large re-import); return the rows
        left for `write`. By default every row goes through `write`."""
        return rows

    def key_of(self, values: dict[str, Any]):
        """A row's key: the key column's value. A spec whose rows are keyed by several
        columns (MedCom's system × message type × direction) returns a tuple, or None
        while a part is missing."""
        return values.get(self.key)

    def key_label(self, key) -> str:
        return " / ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)

    def key_cells(self, key) -> tuple[str, ...]:
        """A key of several columns as the preview's cells, one per column (the page
        passes their headers as `key_columns` to `_import_body.html`)."""
        return tuple(str(k) for k in key) if isinstance(key, tuple) else (str(key),)

    def reason(self, filename: str) -> str:
        # History's reason is data, kept in Danish whatever the page's language.
        return f"Importeret fra {filename}"

    # -- helpers --------------------------------------------------------------
    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def cell_error(number: int, header: str | None, message: str) -> str:
    if header is None:
        return _("Række %(row)s: %(message)s") % {"row": number, "message": message}
    return _("Række %(row)s, kolonne «%(column)s»: %(message)s") % {
        "row": number,
        "column": header,
        "message": message,
    }

"""The one import engine: a spreadsheet (.xlsx, or .csv in UTF-8 with `;` or `,`) in,
validated all or nothing, previewed, then upserted by key.

An app describes its file with an `ImportSpec`: the columns (Danish headers, a
parser each), which column is the key, and three callbacks: `prepare` (load what
exists, once), `changes` (what a row would change: None for a new record) and
`write` (save one row, with the history reason). The engine reads the file,
parses every cell, and collects *every* error as "Række N, kolonne «X»: …" (N is
the row number the spreadsheet program shows); with one error nothing is
written. A dry run stops after the preview. Formula-looking cells are read as
the text they hold, never evaluated.

The engine knows no domain: parties, states and the like are the spec's parsers.

By topic: `spec` (the spec, rows, results and errors), `reading` (the file into
rows), `engine` (parsing, checking, the dry run and writing), `parsers` (one per
kind of column). Callers import from `core.imports`.
"""

from .engine import parse, run
from .parsers import (
    DATE_HINT,
    DAY,
    MONTH,
    MONTHS,
    QUARTER,
    YEAR,
    boolean,
    choice,
    date,
    decimal,
    format_plan_date,
    integer,
    lookup,
    many,
    plan_date,
    read_plan_date,
    slug_key,
    text,
)
from .reading import read_rows
from .spec import (
    MAX_ROWS,
    CellError,
    Change,
    Column,
    ImportRefused,
    ImportResult,
    ImportSpec,
    Row,
    cell_error,
)

__all__ = [
    "DATE_HINT",
    "DAY",
    "MAX_ROWS",
    "MONTH",
    "MONTHS",
    "QUARTER",
    "YEAR",
    "CellError",
    "Change",
    "Column",
    "ImportRefused",
    "ImportResult",
    "ImportSpec",
    "Row",
    "boolean",
    "cell_error",
    "choice",
    "date",
    "decimal",
    "format_plan_date",
    "integer",
    "lookup",
    "many",
    "parse",
    "plan_date",
    "read_plan_date",
    "read_rows",
    "run",
    "slug_key",
    "text",
]

"""SQL that the ORM builds once per process, then run as text.

Building and compiling a small query set (its filters, joins and annotations) can cost
more than running it, and a page asks the same query on every cold request with only a
value or two changed. `compiled_once` keeps what a builder makes (a query set's SQL and
parameters, or SQL put together around one) per arguments, for the process's life:
the change feed's keys (`milestones.history.CompiledFeed`), the dashboard's edited
milestones with their ratings (`reports.selectors.current._edited_ratings_sql`), the
data-version stamps' SQL per list of models (`core.cache._stamp_sql_once`), an activity's
page's stamp and its milestones' stamp subqueries (`milestones.selectors.lists`), a
register entry's changes' keys (`register.history._keys_sql`).

The SQL is the default connection's (a caller checks the vendor it was written for);
the values that change per request stay parameters, outside the arguments.

A query set to be run as text is narrowed to a list of values by `among`: `field__in=[]`
compiles to no SQL at all (Django raises `EmptyResultSet` from `sql_with_params`).
"""

import functools
from collections.abc import Callable, Sequence

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

type Compiled = tuple[str, tuple]


def compiled(built: QuerySet | tuple[str, Sequence]) -> Compiled:
    """The SQL and parameters of a query set (or of SQL already put together)."""
    if isinstance(built, QuerySet):
        sql, params = built.query.sql_with_params()
    else:
        sql, params = built
    return sql, tuple(params)


def compiled_once[**P](
    build: Callable[P, QuerySet | tuple[str, Sequence]],
) -> Callable[P, Compiled]:
    """`build(*args)`'s SQL and parameters (`compiled`), built once per process for the
    same (hashable) arguments; at most 64 kept, the least recently used dropped (an
    argument such as the day makes new ones). Two threads asking at once may both
    build it: the same text either way."""

    @functools.lru_cache(maxsize=64)
    @functools.wraps(build)
    def once(*args, **kwargs) -> Compiled:
        return compiled(build(*args, **kwargs))

    return once


# From how many values `among` passes them as one array on PostgreSQL.
AMONG_ARRAY_FROM = 100


def among(queryset: QuerySet, field: str, values) -> QuerySet:
    """`queryset` whose `field` is one of `values`; with none, no row, by a condition that
    still compiles to SQL (`field__in=[]` compiles to none at all, which a query run as
    text around it cannot wrap: a dashboard filtered to a track no register entry is on,
    or to a party without activities at a month end, answered 500). Many values on
    PostgreSQL as one array parameter, `= ANY(%s)`: as `IN (...)` each is a parameter
    of its own, prepared by Django and split out of the SQL by psycopg every time the
    query set is compiled (a track's 2,000-5,000 register entries: ~100 ms a compile)."""
    values = list(values)
    if not values:
        return queryset.filter(pk__lt=0)
    if connection.vendor != "postgresql" or len(values) < AMONG_ARRAY_FROM:
        return queryset.filter(**{f"{field}__in": values})
    quote = connection.ops.quote_name
    column = f"{quote(queryset.model._meta.db_table)}.{quote(queryset.model._meta.get_field(field).column)}"
    return queryset.filter(RawSQL(f"{column} = ANY(%s)", (values,), output_field=BooleanField()))

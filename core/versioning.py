"""Versioned rows: a save names the version the person saw, and a save over someone
else's is refused with `EditConflict` instead of being lost silently.

The rows carry an integer `version` that each service raises by one when it saves.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models


class EditConflict(Exception):
    """Someone else saved after the version the person saw; nothing was saved.

    `current` is the row as it is saved now (None when it no longer exists),
    `seen_version` the version the person saw, `changes` what was saved in
    between (when the caller can say), and `rows` the rows in conflict when a
    form saves several at once.
    """

    def __init__(
        self,
        current: models.Model | None = None,
        *,
        seen_version: int | None = None,
        changes: Any = (),
        rows: Sequence[models.Model] = (),
    ):
        if current is not None:
            message = f"{current!r} is at version {current.version}, not {seen_version}"
        else:
            message = "conflict"
        super().__init__(message)
        self.current = current
        self.seen_version = seen_version
        self.changes = changes
        self.rows = list(rows)


def locked(
    model: type[models.Model] | models.QuerySet,
    pk: int,
    version: int,
    *,
    changes: Callable[[models.Model, int], Any] | None = None,
    refuse: Callable[[models.Model], None] | None = None,
) -> models.Model:
    """The row `pk` of `model` (a model or a queryset) locked for update, if it is
    still at `version`; else `EditConflict`, with `changes(current, version)` when given.

    `refuse(current)`, when given, runs first and raises when the row may not be
    changed at all (a published report), whatever version the person saw. Only the
    row itself is locked, not the rows a queryset joins in. Call it inside the
    service's transaction.
    """
    queryset = model.all() if isinstance(model, models.QuerySet) else model._default_manager
    current = queryset.select_for_update(of=("self",)).get(pk=pk)
    if refuse is not None:
        refuse(current)
    if current.version != version:
        raise EditConflict(
            current,
            seen_version=version,
            changes=changes(current, version) if changes else (),
        )
    return current

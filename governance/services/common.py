"""The steps every governance write shares: a stable key, the version check, saving with
history user and reason, and the plan links."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.history import apply_changes, record_save
from milestones.services.plan import unique_key

LINK_FIELDS = ("activities", "milestones", "register_entries")


def split_links(data: Mapping[str, Any]) -> tuple[dict, dict]:
    fields = {k: v for k, v in data.items() if k not in LINK_FIELDS}
    links = {k: list(v) for k, v in data.items() if k in LINK_FIELDS}
    return fields, links


def set_links(instance, links: Mapping[str, Iterable]) -> bool:
    changed = False
    for name, wanted in links.items():
        manager = getattr(instance, name)
        if set(manager.values_list("pk", flat=True)) != {o.pk for o in wanted}:
            manager.set(wanted)
            changed = True
    return changed


def create_record(model, *, data: Mapping[str, Any], user, reason: str, **extra):
    fields, links = split_links(data)
    instance = model(**fields, **extra)
    if not instance.key:
        instance.key = unique_key(model, instance.title)
    record_save(instance, user=user, reason=reason or _("Oprettet"))
    set_links(instance, links)
    return instance


def update_record(instance, *, data: Mapping[str, Any], user, reason: str) -> bool:
    """Apply `data` to a locked instance; a new version only when something changed."""
    fields, links = split_links(data)
    fields.pop("key", None)
    changed = apply_changes(instance, fields)
    links_changed = set_links(instance, links)
    if changed or links_changed:
        instance.version += 1
        record_save(instance, user=user, reason=reason or _("Ændret"))
    return bool(changed or links_changed)


def refuse(message: str, field: str | None = None):
    raise ValidationError({field: message} if field else message)

"""Query-string filters of the list endpoints, declared per view as {parameter: lookup}
and documented in the schema from the same declaration."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend


def clean_text(name: str, value: str) -> str:
    """A query value the database can take (PostgreSQL refuses NUL characters)."""
    if "\x00" in value or len(value) > 200:
        raise exceptions.ValidationError({name: [_("Ugyldig værdi.")]})
    return value


class KeyFilterBackend(BaseFilterBackend):
    def filter_queryset(self, request, queryset, view):
        for name, lookup in getattr(view, "filters", {}).items():
            value = request.query_params.get(name)
            if value not in (None, ""):
                queryset = queryset.filter(**{lookup: clean_text(name, value)})
        return queryset

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": name,
                "required": False,
                "in": "query",
                "description": _("Filtrér på %(lookup)s") % {"lookup": lookup.replace("__", ".")},
                "schema": {"type": "string"},
            }
            for name, lookup in getattr(view, "filters", {}).items()
        ]

"""Putting a service's `ValidationError` onto the form the person filled in."""

from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError, rename: dict | None = None) -> None:
    """Show a service's ValidationError on the form, by field where the form has it
    (on the form as a whole otherwise), so the page shows it beside what was typed.
    `rename` maps a model field's name to the form field that shows it."""
    rename = rename or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = rename.get(name, name)
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)

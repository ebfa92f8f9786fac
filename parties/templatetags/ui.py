from django import forms, template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()

_CLASSES = {
    forms.Select: "form-select",
    forms.SelectMultiple: "form-select",
    forms.CheckboxInput: "form-checkbox",
    forms.RadioSelect: "form-radio",
}


def _is_typed_date(widget) -> bool:
    """A date the user types (a text input), not the browser's date control: Chromium's
    control sends an empty value for a date it cannot read, so the typed text was lost."""
    return isinstance(widget, forms.DateInput) and widget.input_type == "text"


def _character_limit(bound_field) -> int | None:
    """The limit of a text the user writes; Django's own forms (log-in) are left as they are."""
    field, widget = bound_field.field, bound_field.field.widget
    limit = getattr(field, "max_length", None)
    if not limit or isinstance(widget, forms.PasswordInput | forms.HiddenInput):
        return None
    if type(bound_field.form).__module__.startswith("django."):
        return None
    return limit if isinstance(widget, forms.TextInput | forms.Textarea) else None


@register.filter
def dkfds(bound_field):
    """Render a form field with DKFDS's class and its error/hint described for screen readers.

    A typed date gets its format as a hint before the input; a text with a limit gets
    DKFDS's character limit after it instead of the browser's `maxlength`, which cuts
    pasted text without a word (the server refuses too long a text and keeps it)."""
    widget = bound_field.field.widget
    css = next((c for w, c in _CLASSES.items() if isinstance(widget, w)), "form-input")
    attrs = {"class": css}
    field_id = bound_field.id_for_label
    described = []
    before = after = ""
    if _is_typed_date(widget):
        described.append(f"{field_id}-format")
        before = format_html(
            '<span class="form-hint sp-date-format" id="{}-format">{}</span>',
            field_id,
            _("Skriv datoen som dd.mm.åååå, fx 15.03.2027."),
        )
    if bound_field.help_text:
        described.append(f"{field_id}-hint")
    if bound_field.errors:
        described.append(f"{field_id}-error")
        attrs["aria-invalid"] = "true"
    limit = _character_limit(bound_field)
    if limit:
        described.append(f"{field_id}-limit")
        attrs["maxlength"] = False  # False leaves the attribute out
        attrs["data-character-limit"] = str(limit)
        after = format_html(
            '<span class="form-hint sp-character-limit" id="{id}-limit" data-remaining="{rem}"'
            ' data-over="{over}">{text}</span>'
            '<span class="sr-only" id="{id}-limit-live" aria-live="polite"></span>',
            id=field_id,
            rem=_("Du har %(count)s tegn tilbage"),
            over=_("Du har %(count)s tegn for meget"),
            text=_("Du kan skrive op til %(limit)s tegn.") % {"limit": limit},
        )
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return format_html("{}{}{}", before, bound_field.as_widget(attrs=attrs), after)

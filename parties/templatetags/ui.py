from django import forms, template

register = template.Library()

_CLASSES = {
    forms.Select: "form-select",
    forms.SelectMultiple: "form-select",
    forms.CheckboxInput: "form-checkbox",
    forms.RadioSelect: "form-radio",
}


@register.filter
def dkfds(bound_field):
    """Render a form field with DKFDS's class and its error/hint described for screen readers."""
    widget = bound_field.field.widget
    css = next((c for w, c in _CLASSES.items() if isinstance(widget, w)), "form-input")
    attrs = {"class": css}
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.id_for_label}-hint")
    if bound_field.errors:
        described.append(f"{bound_field.id_for_label}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)

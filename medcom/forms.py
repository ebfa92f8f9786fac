"""Forms for MedCom's matrix. The rules are the services'; a form offers only the
states the person may choose, parses what they type and keeps it on an error."""

from django import forms
from django.utils.translation import gettext_lazy as _

from milestones.forms.filters import KeyTextField
from register.forms import DateInputField, _normalise_dates, _Versioned

from .models import SUPPLIER_MOVES, CertState, Family, MessageType, supplier_parties
from .services import MESSAGE_TYPE_FIELDS

__all__ = ["CertificationForm", "FilterForm", "MessageTypeForm"]


class FilterForm(forms.Form):
    """The matrix's filters, kept in the URL."""

    tilstand = forms.ChoiceField(
        label=_("Tilstand"), required=False, choices=[("", _("Alle tilstande")), *CertState.choices]
    )
    familie = forms.ChoiceField(
        label=_("Standardfamilie"),
        required=False,
        choices=[("", _("Alle familier")), *Family.choices],
    )

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        # Typed, not a <select> of every supplier (100 in the synthetic programme):
        # its key (what links put in the URL), its name or a part only one has.
        suppliers = supplier_parties()
        if not access.may_read_all_certifications:
            suppliers = suppliers.filter(pk__in=access.certification_supplier_ids)
        self.fields["leverandoer"] = KeyTextField(
            label=_("Leverandør"),
            queryset=suppliers,
            name_field="name",
            noun_plural=_("leverandører"),
        )


class MessageTypeForm(forms.ModelForm):
    """A message type and MedCom's cut-over plan (MedCom and the SOR-team)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    change_reason = _Versioned.base_fields["change_reason"]
    cutover_date = DateInputField(label=_("Overgang til SOR"), required=False)
    date_pairs = (("cutover_date", "cutover_precision"),)

    class Meta:
        model = MessageType
        fields = ["key", *MESSAGE_TYPE_FIELDS]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []
        self.fields["key"].required = False
        if self.instance.pk:
            del self.fields["key"]
            self.fields["version"].required = True
            if not self.is_bound:
                self.initial["version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        _normalise_dates(self, self.date_pairs)
        return cleaned

    def changes(self) -> dict:
        data = {name: self.cleaned_data[name] for name in MESSAGE_TYPE_FIELDS}
        if self.cleaned_data.get("key"):
            data["key"] = self.cleaned_data["key"]
        return data


class CertificationForm(_Versioned):
    """A row's move and fields. A supplier's reporter sees only the states it may move
    to and its own fields; MedCom and the SOR-team every state and the test's fields."""

    state = forms.ChoiceField(label=_("Ny tilstand"))
    on = DateInputField(
        label=_("Dato for den nye tilstand"),
        required=False,
        help_text=_("Tom: i dag."),
    )
    planned_production_date = DateInputField(label=_("Planlagt i produktion"), required=False)
    planned_production_precision = forms.ChoiceField(
        label=_("Præcision, planlagt"),
        choices=MessageType._meta.get_field("cutover_precision").choices,
    )
    reference = forms.CharField(
        label=_("Test-/certifikatreference"), max_length=100, required=False
    )
    rejection_reason = forms.CharField(
        label=_("Begrundelse for afvisning"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Skal udfyldes ved “Afvist i test”."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    date_pairs = (("planned_production_date", "planned_production_precision"),)

    def __init__(self, *args, row, may_certify: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []
        self.fields["version"].required = True
        if may_certify:
            states = list(CertState.values)
        else:
            states = [row.state, *sorted(SUPPLIER_MOVES[row.state], key=CertState.values.index)]
            del self.fields["reference"]
            del self.fields["rejection_reason"]
        self.fields["state"].choices = [(s, CertState(s).label) for s in states]
        if not self.is_bound:
            self.initial.update(
                version=row.version,
                state=row.state,
                planned_production_date=row.planned_production_date,
                planned_production_precision=row.planned_production_precision,
                reference=row.reference,
                rejection_reason=row.rejection_reason,
                note=row.note,
            )

    def clean(self):
        cleaned = super().clean()
        _normalise_dates(self, self.date_pairs)
        return cleaned

    def changes(self) -> dict:
        names = [
            n
            for n in (
                "planned_production_date",
                "planned_production_precision",
                "reference",
                "rejection_reason",
                "note",
            )
            if n in self.fields
        ]
        data = {n: self.cleaned_data[n] for n in names}
        for n in ("reference", "rejection_reason", "note"):
            if n in data:
                data[n] = (data[n] or "").strip()
        return data

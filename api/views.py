"""The REST API's endpoints. Each reads through the same querysets, selectors and
`parties.access.Access` rules as the pages, and writes through the same forms and
services (validation, version check, history reason)."""

import datetime
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.dates import today
from governance.models import Action, Decision, Issue, Meeting, Risk
from medcom import services as medcom_services
from medcom.forms import CertificationForm
from medcom.models import Certification, MessageType
from milestones.forms.reporting import ProgressUpdateForm, ProposalForm
from milestones.models import (
    Activity,
    Baseline,
    BaselineEntry,
    DatePrecision,
    Dependency,
    Goal,
    Milestone,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
)
from milestones.selectors.status import attach_rags, baseline_for
from milestones.services import plan as plan_services
from milestones.services import updates as update_services
from milestones.views.reporting import UPDATE_FIELDS, round_or_404
from milestones.views.reporting_updates import _proposal_inputs as proposal_inputs
from parties.access import request_access
from parties.models import Party
from register import services as register_services
from register.forms import StateForm, StepForm
from register.models import Entry, Step
from reports.models import StatusReport
from reports.selectors.status import dashboard
from reports.services.status_report import status_report_pdf

from . import serializers as s
from .errors import django_errors
from .filters import KeyFilterBackend, clean_text
from .pagination import KeyCursorPagination

KEY = "key"
# The programme's history starts long after this; older moments are typing errors.
EARLIEST_YEAR = 2000
PERIOD = re.compile(r"(\d{4})-(\d{2})")


def _form_errors(form) -> dict:
    return {name: [str(m) for m in errors] for name, errors in form.errors.items()}


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError(_("Send et JSON-objekt."))
    return {
        k: ("" if v is None else v)
        for k, v in request.data.items()
        if isinstance(v, str | int | float | bool) or v is None
    }


class ListView(generics.ListAPIView):
    filter_backends = [KeyFilterBackend]
    filters: dict[str, str] = {}


class DetailView(generics.RetrieveAPIView):
    lookup_field = KEY


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------
class StatusQuery(serializers.Serializer):
    as_of = serializers.DateTimeField(required=False)
    party = serializers.SlugField(required=False, max_length=60)
    track = serializers.ChoiceField(required=False, choices=Activity.Track.choices)

    def validate_as_of(self, value):
        if value.year < EARLIEST_YEAR:
            raise serializers.ValidationError(
                _("Vælg et tidspunkt fra %(year)s eller senere.") % {"year": EARLIEST_YEAR}
            )
        if value > datetime.datetime.now(tz=datetime.UTC):
            raise serializers.ValidationError(
                _("Tidspunktet ligger i fremtiden. Vælg et tidspunkt, der er passeret.")
            )
        return value


class RollupSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    rag = serializers.CharField(source="rollup.rag")
    reason = serializers.CharField(source="rollup.reason")
    counts = serializers.DictField(child=serializers.IntegerField(), source="rollup.counts")
    change = serializers.CharField()


class DashboardMilestoneSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    party = serializers.CharField(source="party.key")
    forecast_date = serializers.DateField(allow_null=True)
    forecast_precision = serializers.CharField()
    rag = serializers.CharField(source="rag.rag")
    reason = serializers.CharField(source="rag.reason")


class ProgrammeStatusSerializer(serializers.Serializer):
    moment = serializers.DateTimeField(source="point.moment")
    is_past = serializers.BooleanField(source="point.is_past")
    party = serializers.CharField(source="party.key", allow_null=True, default=None)
    track = serializers.CharField(allow_blank=True)
    baseline = serializers.CharField(source="baseline_name")
    overall = RollupSerializer()
    tracks = RollupSerializer(many=True)
    parties = RollupSerializer(many=True)
    due_soon = DashboardMilestoneSerializer(many=True)
    slipped = DashboardMilestoneSerializer(many=True)
    completed = DashboardMilestoneSerializer(many=True)


class ProgrammeStatusView(APIView):
    """The programme's status as the dashboard shows it (the same selector), now or `as_of`."""

    @extend_schema(parameters=[StatusQuery], responses=ProgrammeStatusSerializer)
    def get(self, request):
        query = StatusQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if data.get("party"):
            clean_text("party", data["party"])
        board = dashboard(as_of=data.get("as_of"), party=data.get("party"), track=data.get("track"))
        return Response(ProgrammeStatusSerializer(board).data)


class PartyList(ListView):
    serializer_class = s.PartySerializer
    queryset = Party.objects.select_related("coordinator", "region")
    filters = {"kind": "kind", "side": "side"}


class PartyDetail(DetailView):
    serializer_class = s.PartySerializer
    queryset = PartyList.queryset


class GoalList(ListView):
    serializer_class = s.GoalSerializer
    queryset = Goal.objects.select_related("programme", "parent")
    filters = {"kind": "kind", "parent": "parent__key"}


class GoalDetail(DetailView):
    serializer_class = s.GoalSerializer
    queryset = GoalList.queryset


class ActivityList(ListView):
    serializer_class = s.ActivitySerializer
    queryset = Activity.objects.select_related("goal", "responsible_party").prefetch_related(
        "involved_parties"
    )
    filters = {
        "party": "responsible_party__key",
        "track": "track",
        "status": "status",
        "goal": "goal__key",
    }


class ActivityDetail(DetailView):
    serializer_class = s.ActivitySerializer
    queryset = ActivityList.queryset


class _WithRag:
    """Milestones with their RAG against the active baseline (or `?baseline=<key>`)."""

    def rag_baseline(self):
        key = self.request.query_params.get("baseline") or None
        return baseline_for(clean_text("baseline", key) if key else None)[0]


BASELINE_PARAM = OpenApiParameter("baseline", str, description="Sammenlign med denne baseline")


@extend_schema(parameters=[BASELINE_PARAM])
class MilestoneList(_WithRag, ListView):
    serializer_class = s.MilestoneSerializer
    queryset = Milestone.objects.select_related("activity__responsible_party")
    filters = {
        "activity": "activity__key",
        "party": "activity__responsible_party__key",
        "track": "activity__track",
        "status": "status",
    }

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        attach_rags(page, today=today(), baseline=self.rag_baseline())
        return page


@extend_schema(parameters=[BASELINE_PARAM])
class MilestoneDetail(_WithRag, DetailView):
    serializer_class = s.MilestoneSerializer
    queryset = MilestoneList.queryset

    def get_object(self):
        milestone = super().get_object()
        attach_rags([milestone], today=today(), baseline=self.rag_baseline())
        return milestone


class DependencyPagination(KeyCursorPagination):
    ordering = "pk"


class DependencyList(ListView):
    serializer_class = s.DependencySerializer
    queryset = Dependency.objects.select_related("predecessor", "successor")
    pagination_class = DependencyPagination
    filters = {"predecessor": "predecessor__key", "successor": "successor__key"}


class BaselineList(ListView):
    serializer_class = s.BaselineSerializer
    queryset = Baseline.objects.all()
    filters = {"is_active": "is_active"}

    def filter_queryset(self, queryset):
        value = self.request.query_params.get("is_active")
        if value not in (None, "", "true", "false"):
            raise exceptions.ValidationError({"is_active": [_("Skriv true eller false.")]})
        if value:
            return queryset.filter(is_active=value == "true")
        return queryset


class BaselineDetail(DetailView):
    serializer_class = s.BaselineSerializer
    queryset = Baseline.objects.all()


class BaselineEntryPagination(KeyCursorPagination):
    ordering = "pk"


class BaselineEntryList(generics.ListAPIView):
    """The dates a baseline froze, one per milestone."""

    serializer_class = s.BaselineEntrySerializer
    pagination_class = BaselineEntryPagination

    def get_queryset(self):
        baseline = get_object_or_404(Baseline, key=self.kwargs[KEY])
        return BaselineEntry.objects.filter(baseline=baseline).select_related("milestone")


# ---------------------------------------------------------------------------
# Reporting rounds and progress updates
# ---------------------------------------------------------------------------
class RoundPagination(KeyCursorPagination):
    ordering = "-period"


class RoundList(generics.ListAPIView):
    serializer_class = s.ReportingRoundSerializer
    queryset = ReportingRound.objects.all()
    pagination_class = RoundPagination


class RoundDetail(APIView):
    @extend_schema(responses=s.ReportingRoundSerializer)
    def get(self, request, period):
        return Response(s.ReportingRoundSerializer(round_or_404(period)).data)


class UpdatePagination(KeyCursorPagination):
    ordering = "pk"


def updates_visible(access):
    """The progress updates a person reads (`Access.may_read_update`, as a filter)."""
    queryset = ProgressUpdate.objects.all()
    if access.can_review:
        return queryset
    rule = Q(party_id__in=access.reports_for_party_ids)
    if access.may_read_submitted_updates:
        rule |= Q(status__in=update_services.DONE_STATUSES)
    return queryset.filter(rule)


class UpdateList(ListView):
    """A round's progress updates the person may read."""

    serializer_class = s.ProgressUpdateSerializer
    pagination_class = UpdatePagination
    filters = {"party": "party__key", "activity": "activity__key", "status": "status"}

    def get_queryset(self):
        round_ = round_or_404(self.kwargs["period"])
        return (
            updates_visible(request_access(self.request))
            .filter(round=round_)
            .select_related("round", "party", "activity")
            .prefetch_related("proposals__milestone")
        )


class ProposalWrite(serializers.Serializer):
    milestone = serializers.SlugField(help_text="Milepælens nøgle")
    proposed_date = serializers.DateField(allow_null=True)
    proposed_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True)


class UpdateWrite(serializers.Serializer):
    """A party's update as the form takes it; `submit` true submits it."""

    narrative = serializers.CharField(required=False, allow_blank=True)
    self_rag = serializers.ChoiceField(
        required=False, allow_blank=True, choices=Milestone.Rag.choices
    )
    self_rag_reason = serializers.CharField(required=False, allow_blank=True)
    percent_complete = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100
    )
    achievements = serializers.CharField(required=False, allow_blank=True)
    next_steps = serializers.CharField(required=False, allow_blank=True)
    risks = serializers.CharField(required=False, allow_blank=True)
    help_needed = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=0, help_text="0 når der ingen opdatering er")
    submit = serializers.BooleanField(required=False, default=False)
    proposals = ProposalWrite(
        many=True,
        required=False,
        help_text="Forslag til nye forventede datoer; en milepæl uden dato trækker forslaget "
        "tilbage, en milepæl, der ikke nævnes, beholder sit.",
    )


def _proposal_inputs(request, activity) -> list:
    """The update form's proposal fields, one per milestone named: the same form."""
    items = request.data.get("proposals", []) if isinstance(request.data, dict) else []
    if not isinstance(items, list):
        raise exceptions.ValidationError({"proposals": [_("Send en liste af forslag.")]})
    milestones = {m.key: m for m in activity.milestones.open()}
    forms, errors = [], {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[str(index)] = {"__all__": [_("Send et JSON-objekt.")]}
            continue
        milestone = milestones.get(str(item.get("milestone", "")))
        if milestone is None:
            errors[str(index)] = {
                "milestone": [_("Ikke en åben milepæl i opdateringens aktivitet.")]
            }
            continue
        data = {
            k: ("" if v is None else v)
            for k, v in item.items()
            if k in ProposalForm.base_fields and isinstance(v, str | int | float | bool | None)
        }
        form = ProposalForm(data, milestone=milestone, prefix=None)
        if not form.is_valid():
            errors[str(index)] = _form_errors(form)
            continue
        forms.append(form)
    if errors:
        raise exceptions.ValidationError({"proposals": errors})
    return proposal_inputs(forms)


class UpdateDetail(APIView):
    """One party's update on one activity in a round: read it, save a draft, or submit it
    (the reporters of the party, as on the form)."""

    def _obligation(self, request, period, party_key, activity_key):
        access = request_access(request)
        round_ = round_or_404(period)
        party = get_object_or_404(Party, key=party_key)
        obligation = get_object_or_404(
            RoundObligation.objects.select_related("activity"),
            round=round_,
            party=party,
            activity__key=activity_key,
        )
        update = ProgressUpdate.objects.filter(
            round=round_, party=party, activity=obligation.activity
        ).first()
        readable = access.may_read_updates_of(party.pk) or (
            update is not None and access.may_read_update(update)
        )
        if not readable:
            raise Http404
        return access, round_, party, obligation.activity, update

    @extend_schema(responses=s.ProgressUpdateSerializer)
    def get(self, request, period, party_key, activity_key):
        *_rest, update = self._obligation(request, period, party_key, activity_key)
        if update is None:
            raise Http404
        return Response(s.ProgressUpdateSerializer(update).data)

    @extend_schema(request=UpdateWrite, responses=s.ProgressUpdateSerializer)
    def put(self, request, period, party_key, activity_key):
        access, round_, party, activity, update = self._obligation(
            request, period, party_key, activity_key
        )
        if not access.may_report_for(party.pk):
            raise exceptions.PermissionDenied(
                _("Kun partens rapportører kan skrive partens opdatering.")
            )
        data = _body(request)
        submit = data.pop("submit", False) in (True, "true", "1", 1)
        if update is not None and update.status not in update_services.EDITABLE_STATUSES:
            raise exceptions.ValidationError(
                _("Opdateringen er %(status)s og kan ikke ændres.")
                % {"status": update.get_status_display().lower()}
            )
        form = ProgressUpdateForm(data, submit=submit)
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        proposals = _proposal_inputs(request, activity)
        saved = update_services.progress_update_save(
            round_=round_,
            party=party,
            activity=activity,
            values={name: form.cleaned_data.get(name) for name in UPDATE_FIELDS},
            proposals=proposals,
            version=form.cleaned_data["version"],
            user=request.user,
            submit=submit,
        )
        return Response(s.ProgressUpdateSerializer(saved).data)


# ---------------------------------------------------------------------------
# Writes on the plan: the SOR-team moves a forecast
# ---------------------------------------------------------------------------
class ForecastWrite(serializers.Serializer):
    forecast_date = serializers.DateField(allow_null=True)
    forecast_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    reason = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(min_value=1)


class MilestoneForecast(_WithRag, APIView):
    """The SOR-team moves a milestone's forecast, with a reason (kept in the history)."""

    @extend_schema(request=ForecastWrite, responses=s.MilestoneSerializer)
    def post(self, request, key):
        milestone = get_object_or_404(Milestone, key=key)
        request_access(request).require_plan_editor()
        body = ForecastWrite(data=_body(request))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if not data["reason"].strip():
            raise exceptions.ValidationError(
                {"reason": [_("Skriv hvorfor den forventede dato flyttes.")]}
            )
        try:
            plan_services.milestone_forecast_set(
                milestone_id=milestone.pk,
                version=data["version"],
                forecast_date=data["forecast_date"],
                forecast_precision=data["forecast_precision"],
                user=request.user,
                reason=data["reason"],
            )
        except DjangoValidationError as error:
            errors = django_errors(error)
            if "change_reason" in errors:
                errors["reason"] = errors.pop("change_reason")
            raise exceptions.ValidationError(errors) from error
        milestone = Milestone.objects.select_related("activity__responsible_party").get(
            pk=milestone.pk
        )
        attach_rags([milestone], today=today(), baseline=self.rag_baseline())
        return Response(s.MilestoneSerializer(milestone).data)


# ---------------------------------------------------------------------------
# The SHAK register
# ---------------------------------------------------------------------------
class EntryList(ListView):
    serializer_class = s.EntrySerializer
    filters = {
        "state": "state",
        "kind": "kind",
        "owner": "owner__key",
        "supplier": "supplier__key",
        "criticality": "criticality",
    }

    def get_queryset(self):
        return (
            Entry.objects.visible_to(request_access(self.request))
            .select_related("owner", "supplier")
            .prefetch_related("activities", "milestones", "steps")
        )


class EntryDetail(DetailView):
    serializer_class = s.EntrySerializer
    get_queryset = EntryList.get_queryset


def _entry_for_write(request, key) -> Entry:
    """The entry if the person reads it (else 404); only the SOR-team writes it (403)."""
    access = request_access(request)
    entry = get_object_or_404(Entry.objects.visible_to(access), key=key)
    if not access.can_edit_register:
        raise exceptions.PermissionDenied(
            _(
                "Kun SOR-teamets redaktører kan ændre registeret; en parts rapportører "
                "foreslår ændringer i partens statusopdatering."
            )
        )
    return entry


class StateWrite(serializers.Serializer):
    state = serializers.CharField()
    state_date = serializers.DateField(required=False, allow_null=True)
    state_date_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    state_confirmed_by = serializers.CharField(required=False, allow_blank=True)
    change_reason = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1)


class EntryState(APIView):
    """Move an entry's SHAK use (the SOR-team; a party's reporters propose the move in
    their progress update instead), with the form's rules: a date and who confirmed it
    for "kun SOR" and "udfaset", a reason for a move backwards."""

    @extend_schema(request=StateWrite, responses=s.EntrySerializer)
    def post(self, request, key):
        entry = _entry_for_write(request, key)
        data = {"state_date_precision": DatePrecision.DAY, **_body(request)}
        form = StateForm(data, entry=entry)
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        if form.cleaned_data["version"] is None:
            raise exceptions.ValidationError({"version": [_("Angiv den version, du så.")]})
        cleaned = form.cleaned_data
        try:
            register_services.entry_state_set(
                entry_id=entry.pk,
                version=cleaned["version"],
                user=request.user,
                state=cleaned["state"],
                date=cleaned["state_date"],
                precision=cleaned["state_date_precision"],
                confirmed_by=cleaned["state_confirmed_by"],
                reason=cleaned["change_reason"],
            )
        except DjangoValidationError as error:
            errors = django_errors(error)
            if "reason" in errors:
                errors["change_reason"] = errors.pop("reason")
            raise exceptions.ValidationError(errors) from error
        return Response(s.EntrySerializer(EntryList.get_queryset(self).get(pk=entry.pk)).data)


class StepWrite(serializers.Serializer):
    baseline_date = serializers.DateField(required=False, allow_null=True)
    baseline_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    forecast_date = serializers.DateField(required=False, allow_null=True)
    forecast_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    actual_date = serializers.DateField(required=False, allow_null=True)
    actual_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    change_reason = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text="Trinnets version; tom, hvis trinnet er nyt."
    )


class EntryStep(APIView):
    """One step of an entry's plan: its baseline, forecast and actual dates (the
    SOR-team, through the register's `step_set`). What the body leaves out keeps the
    step's value."""

    @extend_schema(request=StepWrite, responses=s.StepSerializer)
    def post(self, request, key, kind):
        entry = _entry_for_write(request, key)
        if kind not in Step.Kind.values:
            raise Http404
        step = Step.objects.filter(entry=entry, kind=kind).first()
        names = [n for n in StepForm.base_fields if n not in ("version", "change_reason")]
        current = {
            n: (getattr(step, n) if step else (DatePrecision.DAY if "precision" in n else None))
            for n in names
        }
        body = _body(request)
        data = {k: ("" if v is None else v) for k, v in current.items()} | body
        form = StepForm(data, step=step, may_set_baseline=True)
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        try:
            saved, _changed = register_services.step_set(
                entry_id=entry.pk,
                kind=kind,
                version=form.cleaned_data["version"],
                user=request.user,
                data=form.changes(),
                reason=form.cleaned_data["change_reason"],
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError(django_errors(error)) from error
        return Response(s.StepSerializer(saved).data)


# ---------------------------------------------------------------------------
# MedCom's certification matrix
# ---------------------------------------------------------------------------
def _medcom_access(request):
    access = request_access(request)
    if not access.may_read_medcom:
        raise exceptions.PermissionDenied(_("MedComs matrix er for programmets medlemmer."))
    return access


class MessageTypeList(ListView):
    serializer_class = s.MessageTypeSerializer
    filters = {"family": "family", "plan_state": "plan_state"}

    def get_queryset(self):
        _medcom_access(self.request)
        return MessageType.objects.all()


class MessageTypeDetail(DetailView):
    serializer_class = s.MessageTypeSerializer
    get_queryset = MessageTypeList.get_queryset


class CertificationPagination(KeyCursorPagination):
    ordering = "pk"


class CertificationList(ListView):
    """The matrix's rows a person reads (`Access`): all, or their own supplier's."""

    serializer_class = s.CertificationSerializer
    pagination_class = CertificationPagination
    filters = {
        "supplier": "entry__supplier__key",
        "entry": "entry__key",
        "message_type": "message_type__key",
        "family": "message_type__family",
        "state": "state",
        "direction": "direction",
    }

    def get_queryset(self):
        return certifications_visible(self.request)


def certifications_visible(request):
    return Certification.objects.visible_to(_medcom_access(request)).select_related(
        "entry", "entry__supplier", "message_type"
    )


def _certification(request, entry_key, message_type_key, direction) -> Certification:
    return get_object_or_404(
        certifications_visible(request),
        entry__key=entry_key,
        message_type__key=message_type_key,
        direction=direction,
    )


class CertificationWrite(serializers.Serializer):
    state = serializers.ChoiceField(choices=Certification._meta.get_field("state").choices)
    on = serializers.DateField(required=False, allow_null=True)
    planned_production_date = serializers.DateField(required=False, allow_null=True)
    planned_production_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, required=False
    )
    reference = serializers.CharField(required=False, allow_blank=True)
    rejection_reason = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
    change_reason = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1)


# What a row's write may name; what it leaves out keeps the row's value.
CERTIFICATION_WRITE = (
    "state",
    "planned_production_date",
    "planned_production_precision",
    "reference",
    "rejection_reason",
    "note",
)


class CertificationDetail(APIView):
    """One row of the matrix; POST moves it and writes its dates and notes, with the
    page's rules (`medcom.services.move_refusal`): a supplier's reporter moves its own
    rows, only MedCom and the SOR-team set the test and its result."""

    @extend_schema(responses=s.CertificationSerializer)
    def get(self, request, entry_key, message_type_key, direction):
        row = _certification(request, entry_key, message_type_key, direction)
        return Response(s.CertificationSerializer(row).data)

    @extend_schema(request=CertificationWrite, responses=s.CertificationSerializer)
    def post(self, request, entry_key, message_type_key, direction):
        access = request_access(request)
        row = _certification(request, entry_key, message_type_key, direction)
        if not access.may_update_certification(row.entry.supplier_id):
            raise exceptions.PermissionDenied(
                _("Kun MedCom, SOR-teamet og leverandørens rapportører kan ændre rækken.")
            )
        body = _body(request)
        # The page's form, offered every state (the service says who may choose which)
        # and filled with the row's values for what the body leaves out.
        data = {name: getattr(row, name) for name in CERTIFICATION_WRITE}
        data = {k: ("" if v is None else v) for k, v in data.items()} | body
        form = CertificationForm(data, row=row, may_certify=True)
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        cleaned = form.cleaned_data
        try:
            row, _changed = medcom_services.certification_set(
                access=access,
                certification_id=row.pk,
                version=cleaned["version"],
                user=request.user,
                state=cleaned["state"],
                on=cleaned["on"],
                data={k: v for k, v in form.changes().items() if k in body},
                reason=cleaned["change_reason"],
            )
        except DjangoValidationError as error:
            errors = django_errors(error)
            for name in ("certified_on", "rejected_on"):
                if name in errors:
                    errors["on"] = errors.pop(name)
            raise exceptions.ValidationError(errors) from error
        return Response(
            s.CertificationSerializer(
                _certification(request, entry_key, message_type_key, direction)
            ).data
        )


# ---------------------------------------------------------------------------
# The steering group's records
# ---------------------------------------------------------------------------
class _GovernanceMixin:
    model = None

    def get_queryset(self):
        access = request_access(self.request)
        if not access.may_read_governance:
            raise exceptions.PermissionDenied(
                _("Styringens poster er for SOR-teamet, styregruppen og parterne.")
            )
        return (
            self.model.objects.visible_to(access)
            .select_related("owner_party")
            .prefetch_related("activities", "milestones", "register_entries")
        )


RECORD_FILTERS = {"status": "status", "owner_party": "owner_party__key"}


def _governance(model, serializer, extra_select=()):
    class List(_GovernanceMixin, ListView):
        serializer_class = serializer
        filters = RECORD_FILTERS

    class Detail(_GovernanceMixin, DetailView):
        serializer_class = serializer

    for view in (List, Detail):
        view.model = model
        view.__name__ = f"{model.__name__}{'List' if view is List else 'Detail'}"
        view.__qualname__ = view.__name__
    return List, Detail


RiskList, RiskDetail = _governance(Risk, s.RiskSerializer)
IssueList, IssueDetail = _governance(Issue, s.IssueSerializer)
DecisionList, DecisionDetail = _governance(Decision, s.DecisionSerializer)
ActionList, ActionDetail = _governance(Action, s.ActionSerializer)


def meetings_visible(access):
    """Meetings: the SOR-team and the steering group; a draft agenda only for the SOR-team
    and its participants (as the meeting list shows them)."""
    if not access.may_read_meetings:
        raise exceptions.PermissionDenied(_("Møderne er for SOR-teamet og styregruppen."))
    meetings = Meeting.objects.prefetch_related(Prefetch("participants"))
    if access.may_edit_governance:
        return meetings
    return meetings.filter(
        ~Q(status=Meeting.Status.DRAFT) | Q(participants__user_id=access.user_id)
    ).distinct()


class MeetingList(ListView):
    serializer_class = s.MeetingSerializer
    filters = {"status": "status"}

    def get_queryset(self):
        return meetings_visible(request_access(self.request))


class MeetingDetail(DetailView):
    serializer_class = s.MeetingSerializer

    def get_queryset(self):
        return meetings_visible(request_access(self.request))


# ---------------------------------------------------------------------------
# Published status reports
# ---------------------------------------------------------------------------
class ReportPagination(KeyCursorPagination):
    ordering = "-period"


def reports_visible(access):
    return StatusReport.objects.published().visible_to(access)


class StatusReportList(generics.ListAPIView):
    serializer_class = s.StatusReportSerializer
    pagination_class = ReportPagination

    def get_queryset(self):
        return reports_visible(request_access(self.request))


def _report(request, period) -> StatusReport:
    match = PERIOD.fullmatch(period)
    try:
        day = datetime.date(int(match[1]), int(match[2]), 1) if match else None
    except ValueError:
        day = None
    if day is None:
        raise Http404
    return get_object_or_404(reports_visible(request_access(request)), period=day)


class PdfRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class StatusReportDetail(APIView):
    @extend_schema(responses=s.StatusReportSerializer)
    def get(self, request, period):
        return Response(s.StatusReportSerializer(_report(request, period)).data)


class StatusReportPdf(APIView):
    """The published report's frozen PDF, byte for byte."""

    renderer_classes = [PdfRenderer, renderers.JSONRenderer]

    def handle_exception(self, exc):
        """Errors are JSON here too, whatever the client accepts."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return response

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, period):
        report = _report(request, period)
        response = HttpResponse(status_report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
        response["ETag"] = f'"{report.pdf_sha256}"'
        return response

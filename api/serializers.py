"""What the API shows of each thing: keys, never database ids, for every relation."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.models import Action, Decision, Issue, Meeting, Risk
from medcom.models import Certification, MessageType
from milestones.models import (
    Activity,
    Baseline,
    Dependency,
    ForecastProposal,
    Goal,
    Milestone,
    ProgressUpdate,
    ReportingRound,
)
from parties.models import Party
from register.models import Entry, Step
from reports.models import StatusReport


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-10"})
class PeriodField(serializers.Field):
    """A month as ÅÅÅÅ-MM, as in the pages' URLs."""

    def to_representation(self, value):
        return f"{value:%Y-%m}"


def key_field(**kwargs):
    return serializers.SlugRelatedField(slug_field="key", read_only=True, **kwargs)


class PartySerializer(serializers.ModelSerializer):
    coordinator = key_field(allow_null=True)
    region = key_field(allow_null=True)

    class Meta:
        model = Party
        fields = [
            "key",
            "name",
            "short_name",
            "kind",
            "side",
            "official_code",
            "coordinator",
            "region",
            "coordinates_municipal_rollout",
            "description",
            "updated_at",
        ]


class GoalSerializer(serializers.ModelSerializer):
    programme = key_field()
    parent = key_field(allow_null=True)

    class Meta:
        model = Goal
        fields = [
            "key",
            "programme",
            "kind",
            "parent",
            "number",
            "title",
            "description",
            "version",
            "updated_at",
        ]


class ActivitySerializer(serializers.ModelSerializer):
    goal = key_field(allow_null=True)
    responsible_party = key_field()
    involved_parties = key_field(many=True)

    class Meta:
        model = Activity
        fields = [
            "key",
            "title",
            "description",
            "goal",
            "track",
            "responsible_party",
            "involved_parties",
            "status_source",
            "demo_fields",
            "planned_start",
            "planned_start_precision",
            "planned_end",
            "planned_end_precision",
            "status",
            "version",
            "updated_at",
        ]


class RagSerializer(serializers.Serializer):
    """A milestone's RAG as `milestones.rag` computes it for the pages."""

    rag = serializers.CharField()
    computed = serializers.CharField()
    reason_code = serializers.CharField()
    reason = serializers.CharField()
    overridden = serializers.BooleanField()
    baseline_date = serializers.DateField(allow_null=True)
    baseline_precision = serializers.CharField()
    slip_days = serializers.IntegerField(allow_null=True)
    slip_months = serializers.IntegerField(allow_null=True)


class MilestoneSerializer(serializers.ModelSerializer):
    activity = key_field()
    party = serializers.SlugRelatedField(
        source="activity.responsible_party", slug_field="key", read_only=True
    )
    rag = RagSerializer(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "key",
            "title",
            "description",
            "activity",
            "party",
            "source_text",
            "forecast_date",
            "forecast_precision",
            "actual_date",
            "actual_precision",
            "actual_date_unknown",
            "status",
            "status_source",
            "demo_fields",
            "rag",
            "version",
            "updated_at",
        ]


class DependencySerializer(serializers.ModelSerializer):
    predecessor = key_field()
    successor = key_field()

    class Meta:
        model = Dependency
        fields = ["predecessor", "successor", "note", "created_at"]


class BaselineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Baseline
        fields = [
            "key",
            "name",
            "short_name",
            "description",
            "source_document",
            "is_plan_version",
            "sequence",
            "frozen_at",
            "is_active",
        ]


class BaselineEntrySerializer(serializers.Serializer):
    milestone = serializers.CharField(source="milestone.key")
    date = serializers.DateField(allow_null=True)
    precision = serializers.CharField()
    source_text = serializers.CharField()


class ReportingRoundSerializer(serializers.ModelSerializer):
    period = PeriodField(read_only=True)

    class Meta:
        model = ReportingRound
        fields = ["period", "opens_on", "due_on", "updated_at"]


class ForecastProposalSerializer(serializers.ModelSerializer):
    milestone = key_field()

    class Meta:
        model = ForecastProposal
        fields = ["milestone", "proposed_date", "proposed_precision", "reason", "decision"]


class ProgressUpdateSerializer(serializers.ModelSerializer):
    round = PeriodField(source="round.period", read_only=True)
    party = key_field()
    activity = key_field()
    proposals = ForecastProposalSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "round",
            "party",
            "activity",
            "status",
            "narrative",
            "self_rag",
            "self_rag_reason",
            "percent_complete",
            "achievements",
            "next_steps",
            "risks",
            "help_needed",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "proposals",
            "is_demo",
            "version",
            "updated_at",
        ]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = [
            "kind",
            "baseline_date",
            "baseline_precision",
            "forecast_date",
            "forecast_precision",
            "actual_date",
            "actual_precision",
            "version",
        ]


class EntrySerializer(serializers.ModelSerializer):
    owner = key_field()
    supplier = key_field(allow_null=True)
    activities = key_field(many=True)
    milestones = key_field(many=True)
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Entry
        fields = [
            "key",
            "name",
            "kind",
            "is_nsp_service",
            "category",
            "owner",
            "supplier",
            "criticality",
            "description",
            "state",
            "state_date",
            "state_date_precision",
            "state_confirmed_by",
            "solution_description",
            "release_name",
            "release_date",
            "release_precision",
            "activities",
            "milestones",
            "steps",
            "is_demo",
            "version",
            "updated_at",
        ]


class MessageTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MessageType
        fields = [
            "key",
            "code",
            "name",
            "family",
            "cutover_date",
            "cutover_precision",
            "plan_state",
            "description",
            "is_demo",
            "version",
            "updated_at",
        ]


class CertificationSerializer(serializers.ModelSerializer):
    """A row of MedCom's matrix, named by its system, message type and direction."""

    entry = key_field()
    supplier = serializers.SlugRelatedField(
        source="entry.supplier", slug_field="key", read_only=True, allow_null=True
    )
    message_type = key_field()

    class Meta:
        model = Certification
        fields = [
            "entry",
            "supplier",
            "message_type",
            "direction",
            "state",
            "development_started_on",
            "ready_for_test_on",
            "test_started_on",
            "certified_on",
            "in_production_on",
            "rejected_on",
            "planned_production_date",
            "planned_production_precision",
            "reference",
            "rejection_reason",
            "note",
            "is_demo",
            "version",
            "updated_at",
        ]


RECORD_FIELDS = [
    "key",
    "title",
    "description",
    "owner_party",
    "activities",
    "milestones",
    "register_entries",
    "version",
    "created_at",
    "updated_at",
]


class _RecordSerializer(serializers.ModelSerializer):
    owner_party = key_field()
    activities = key_field(many=True)
    milestones = key_field(many=True)
    register_entries = key_field(many=True)


class RiskSerializer(_RecordSerializer):
    class Meta:
        model = Risk
        fields = [
            *RECORD_FIELDS,
            "cause",
            "consequence",
            "probability",
            "impact",
            "proximity",
            "response",
            "mitigation",
            "status",
            "review_on",
        ]


class IssueSerializer(_RecordSerializer):
    from_risk = key_field(allow_null=True)

    class Meta:
        model = Issue
        fields = [*RECORD_FIELDS, "severity", "blocks", "due_on", "status", "from_risk"]


class DecisionSerializer(_RecordSerializer):
    requested_by_party = key_field(allow_null=True)
    meeting = key_field(allow_null=True)

    class Meta:
        model = Decision
        fields = [
            *RECORD_FIELDS,
            "question",
            "background",
            "recommendation",
            "needed_by",
            "requested_by_party",
            "status",
            "outcome",
            "decided_on",
            "meeting",
            "conditions",
        ]


class ActionSerializer(_RecordSerializer):
    meeting = key_field(allow_null=True)
    decision = key_field(allow_null=True)
    risk = key_field(allow_null=True)

    class Meta:
        model = Action
        fields = [
            *RECORD_FIELDS,
            "due_on",
            "status",
            "progress_note",
            "origin",
            "meeting",
            "decision",
            "risk",
        ]


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = [
            "key",
            "title",
            "held_on",
            "starts_at",
            "place",
            "agenda",
            "minutes",
            "status",
            "version",
            "updated_at",
        ]


class StatusReportSerializer(serializers.ModelSerializer):
    period = PeriodField(read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = StatusReport
        fields = [
            "period",
            "status",
            "as_of",
            "leader_summary",
            "decisions_needed",
            "published_at",
            "pdf_sha256",
            "pdf_url",
        ]

    def get_pdf_url(self, report) -> str:
        return reverse("api:status_report_pdf", args=[report.period_key])

"""The steering group's records, by topic: risks and issues (`risks`), and meetings,
decisions, actions, exception notes and delivery confidence (`meetings`)."""

from .common import GovernanceRecord, RecordQuerySet
from .meetings import (
    Action,
    ActionReminderSent,
    Decision,
    DecisionOption,
    DeliveryConfidence,
    ExceptionNote,
    Meeting,
    MeetingParticipant,
)
from .risks import BANDS, SCALE_VALUES, TOP_BAND, Band, Issue, Risk, band_by_key, band_of

__all__ = [
    "BANDS",
    "SCALE_VALUES",
    "TOP_BAND",
    "Action",
    "ActionReminderSent",
    "Band",
    "Decision",
    "DecisionOption",
    "DeliveryConfidence",
    "ExceptionNote",
    "GovernanceRecord",
    "Issue",
    "Meeting",
    "MeetingParticipant",
    "RecordQuerySet",
    "Risk",
    "band_by_key",
    "band_of",
]

"""Governance's facts on pages of the apps below it (named in the settings,
`ACTIVITY_PAGE_EXTRA_FACTS` and `ROADMAP_EXTRA_FACTS`): the SOR-team's delivery
confidence beside an activity's rule-based RAG, with its justification and its history
on the activity's page, its level and justification on the roadmap."""

from parties.access import request_access

from .models import DeliveryConfidence
from .selectors.summary import confidence_with_history


def activity_confidence(request, activity):
    access = request_access(request)
    if not access.may_read_governance:
        return None
    current, earlier = confidence_with_history(activity)
    return (
        "governance/_confidence_fact.html",
        {"confidence": current, "earlier": earlier, "activity": activity, "access": access},
    )


class RoadmapConfidence:
    """The delivery confidence per activity on the roadmap, for people who may read
    governance. `cache_part` (who may see it) and the stamp of `stamp_models` (the
    latest rating, read with the roadmap's own stamp) go into the key of the roadmap's
    cached HTML, so a rating shows at once and never to others."""

    template = "governance/_roadmap_confidence.html"
    stamp_models = (DeliveryConfidence,)

    @staticmethod
    def cache_part(request):
        return request_access(request).may_read_governance

    @classmethod
    def facts(cls, request, activities) -> dict:
        """{activity id: (template, context)} for the activities that have a rating."""
        if not request_access(request).may_read_governance:
            return {}
        found = DeliveryConfidence.objects.filter(activity__in=[a.pk for a in activities])
        return {c.activity_id: (cls.template, {"confidence": c}) for c in found}

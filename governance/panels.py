"""Governance's facts on pages of the apps below it (named in the settings, e.g.
`ACTIVITY_PAGE_EXTRA_FACTS`): the SOR-team's delivery confidence beside an activity's
rule-based RAG, with its justification and its history."""

from parties.access import request_access

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

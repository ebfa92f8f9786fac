from django import template

from milestones.dates import format_plan_date

register = template.Library()


@register.simple_tag
def plan_date(date, precision="day"):
    """A plan date in words, honouring its precision."""
    return format_plan_date(date, precision)


@register.simple_tag
def milestone_when(milestone):
    """What a person needs to know about a milestone's date, in one phrase."""
    from django.utils.translation import gettext as _

    if milestone.actual_date_unknown:
        return _("nået, dato ukendt")
    if milestone.actual_date:
        return _("nået %(date)s") % {
            "date": format_plan_date(milestone.actual_date, milestone.actual_precision)
        }
    return format_plan_date(milestone.forecast_date, milestone.forecast_precision)


@register.inclusion_tag("milestones/_demo_mark.html")
def demo_mark(obj, *fields):
    """The "demodata" mark beside a value the demo filled in (only that field)."""
    marked = getattr(obj, "demo_fields", None) or []
    return {"shown": any(name in marked for name in fields)}

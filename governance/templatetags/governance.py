from django import template

register = template.Library()


@register.filter
def risk_flagged(risk, today) -> bool:
    return risk.is_flagged(today)


@register.filter
def action_overdue(action, today) -> bool:
    return action.is_overdue(today)

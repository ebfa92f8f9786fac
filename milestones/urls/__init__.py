"""The "milestones" URL namespace, one module per topic: the plan (`plan`), the monthly
reporting (`reporting`) and the KOMBIT roll-out (`rollout`). The parties' pages under
/parter/ are their own namespace (`parties`, included from sorplan/urls.py)."""

from . import plan, reporting, rollout

app_name = "milestones"

urlpatterns = [*plan.urlpatterns, *reporting.urlpatterns, *rollout.urlpatterns]

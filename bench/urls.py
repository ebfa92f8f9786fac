"""The bench's URL configuration: the app's own, plus the bare floor it measures.

Used only by `manage.py bench` (override_settings(ROOT_URLCONF=...)); the served
app never includes it.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path

# Read before the bench points ROOT_URLCONF here (it is the app's own at import).
APP_URLCONF = settings.ROOT_URLCONF


@login_required
def ok(request):
    """A bare Django view: the floor every page is measured against."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ok/", ok, name="bench_ok"), path("", include(APP_URLCONF))]

from django.urls import path

from .views import audit

urlpatterns = [
    path("sikkerhedslog/", audit.security_log, name="security_log"),
]

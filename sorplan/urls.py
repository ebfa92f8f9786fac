from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from accounts import views as account_views
from parties import views as party_views

urlpatterns = [
    path("", include("reports.urls")),
    path("plan/", include("milestones.urls")),
    path("parter/", include("milestones.urls.parties")),
    path("register/", include("register.urls")),
    path("medcom/", include("medcom.urls")),
    path("styring/", include("governance.urls")),
    path("api/v1/", include("api.urls")),
    path("profil/tokens/", include("api.urls.tokens")),
    path("", include("feeds.urls")),
    path("", include("accounts.urls")),
    path("konto/log-ind/", account_views.LoginView.as_view(), name="login"),
    path("konto/log-ud/", account_views.LogoutView.as_view(), name="logout"),
    path("konto/aktiv/", account_views.session_keepalive, name="session_keepalive"),
    path(
        "konto/adgangskode/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "konto/adgangskode/skiftet/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "konto/nulstil/",
        account_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "konto/nulstil/sendt/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "konto/nulstil/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "konto/nulstil/faerdig/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("sprog/", login_not_required(set_language), name="set_language"),
    path("tilgaengelighed/", party_views.accessibility, name="accessibility"),
    path("ingen-adgang/", party_views.no_membership, name="no_membership"),
    path("admin/", admin.site.urls),
]

# Danish error pages in the site's layout (sorplan/errors.py).
handler400 = "sorplan.errors.bad_request"
handler403 = "sorplan.errors.permission_denied"
handler404 = "sorplan.errors.page_not_found"
handler500 = "sorplan.errors.server_error"

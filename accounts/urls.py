"""The access administration (/personer/), the person's own page (/profil/), the
invitation's link and the privacy note; under /konto/ the security log, single
sign-on and two-factor; all in the "accounts" URL namespace."""

from django.urls import path

from . import people_views, profile_views
from .views import audit, oidc, two_factor

app_name = "accounts"

urlpatterns = [
    path("personer/", people_views.people_list, name="people_list"),
    path("personer/inviter/", people_views.person_invite, name="person_invite"),
    path("personer/<int:person>/", people_views.person_detail, name="person_detail"),
    path(
        "personer/<int:person>/medlemskaber/ny/",
        people_views.membership_add,
        name="membership_add",
    ),
    path(
        "personer/<int:person>/medlemskaber/<int:membership>/fjern/",
        people_views.membership_remove,
        name="membership_remove",
    ),
    path(
        "personer/<int:person>/deaktiver/",
        people_views.person_action,
        {"action": "deactivate"},
        name="person_deactivate",
    ),
    path(
        "personer/<int:person>/genaktiver/",
        people_views.person_action,
        {"action": "reactivate"},
        name="person_reactivate",
    ),
    path(
        "personer/<int:person>/ny-invitation/",
        people_views.person_action,
        {"action": "resend"},
        name="invitation_resend",
    ),
    path(
        "personer/<int:person>/anonymiser/",
        people_views.person_action,
        {"action": "anonymise"},
        name="person_anonymise",
    ),
    path(
        "personer/<int:person>/data.json",
        people_views.person_data,
        {"fmt": "json"},
        name="person_data_json",
    ),
    path(
        "personer/<int:person>/data.xlsx",
        people_views.person_data,
        {"fmt": "xlsx"},
        name="person_data_xlsx",
    ),
    path("profil/", profile_views.profile, name="profile"),
    path("profil/log-ud-overalt/", profile_views.sessions_end_all, name="sessions_end_all"),
    path("profil/data.json", profile_views.own_data, {"fmt": "json"}, name="own_data_json"),
    path("profil/data.xlsx", profile_views.own_data, {"fmt": "xlsx"}, name="own_data_xlsx"),
    path(
        "konto/invitation/<str:token>/",
        profile_views.invitation_accept,
        name="invitation_accept",
    ),
    path("privatliv/", profile_views.privacy, name="privacy"),
    path("konto/sikkerhedslog/", audit.security_log, name="security_log"),
    path("konto/sso/retur/", oidc.OidcCallbackView.as_view(), name="oidc_callback"),
    path("konto/sso/<slug:provider>/", oidc.OidcLoginView.as_view(), name="oidc_login"),
    path("konto/totrin/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("konto/totrin/kode/", two_factor.two_factor_verify, name="two_factor_verify"),
    path(
        "konto/totrin/nulstil/<int:user_id>/",
        two_factor.two_factor_reset,
        name="two_factor_reset",
    ),
]

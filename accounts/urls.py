from django.urls import path

from .views import audit, oidc, two_factor

urlpatterns = [
    path("sikkerhedslog/", audit.security_log, name="security_log"),
    path("sso/retur/", oidc.OidcCallbackView.as_view(), name="oidc_callback"),
    path("sso/<slug:provider>/", oidc.OidcLoginView.as_view(), name="oidc_login"),
    path("totrin/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("totrin/kode/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("totrin/nulstil/<int:user_id>/", two_factor.two_factor_reset, name="two_factor_reset"),
]

"""How an API request says who it is: the browser's session (with CSRF for unsafe
methods, DRF's `SessionAuthentication`) or a personal access token."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .tokens import token_find


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer sorplan_…`. The token acts as its person; revoked and
    expired tokens, and tokens of an inactive person, are refused (401)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Skriv nøglen efter 'Bearer' med ét mellemrum.")
            )
        try:
            text = header[1].decode()
        except UnicodeError:
            text = ""
        token = token_find(text)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("Nøglen er ukendt, udløbet eller tilbagekaldt.")
            )
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}

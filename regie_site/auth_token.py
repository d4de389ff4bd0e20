"""The API's token authentication (knox's, in one hand-written statement).

A module of its own: DRF imports the authentication classes named in the settings
while ``rest_framework.views`` loads, so this one must not import views.
"""

from __future__ import annotations

import binascii
from functools import cache
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from regie_site import sql


@cache
def _token_query() -> str:
    token, user = get_token_model(), get_user_model()
    return (
        f"SELECT {sql.columns(token, 't')}, {sql.columns(user, 'u')} "
        f"FROM {sql.table(token)} t JOIN {sql.table(user)} u ON u.id = t.user_id "
        f"WHERE t.token_key = %s"
    )


class RegieTokenAuthentication(TokenAuthentication):
    """knox's token check, as knox does it, in one short statement per request.

    The token and its user are read with one hand-written join (the ORM compiling
    it cost more than the database answering it). knox also reads all the user's
    other tokens on every request, to delete the expired ones; that is done when a
    new token is made instead (``delete_expired_tokens``). The token presented is
    still refused (and deleted) once it has expired.
    """

    def authenticate_credentials(self, token: bytes):
        message = _("Invalid token.")
        try:
            token_text = token.decode("utf-8")
            digest = hash_token(token_text)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(message) from None
        token_model, user_model = get_token_model(), get_user_model()
        split = sql.width(token_model)
        with sql.prepared_cursor() as cursor:
            cursor.execute(_token_query(), [token_text[: CONSTANTS.TOKEN_KEY_LENGTH]])
            rows = cursor.fetchall()
        for row in rows:
            auth_token = sql.instance(token_model, row[:split])
            auth_token.user = sql.instance(user_model, row[split:])
            if self._cleanup_token(auth_token):
                continue
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(
                sender=self.__class__, username=username, source="auth_token"
            )
            return True
        return False

"""The API's token authentication (knox's, without its per-request sweep).

A module of its own: DRF imports the authentication classes named in the settings
while ``rest_framework.views`` loads, so this one must not import views.
"""

from __future__ import annotations

from django.utils import timezone
from knox.auth import TokenAuthentication


class RegieTokenAuthentication(TokenAuthentication):
    """knox's token check in one query per request.

    knox also reads all the user's other tokens on every request, to delete the
    expired ones; that is done when a new token is made instead
    (``delete_expired_tokens``). The token presented is still refused (and
    deleted) once it has expired.
    """

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False

"""API tokens: ``POST auth/token/`` (a password for a token), and revoking them.

Tokens are django-rest-knox's: stored as a digest, valid for
``REGIE_API_TOKEN_TTL_HOURS``, sent as ``Authorization: Token <token>``. The answer
to a password stays ``{"token": ...}``, as it always was. A wrong password counts
towards django-axes' lockout like one on the login page; a locked-out user name
gets 429 with a message, even with the right password.
"""

from __future__ import annotations

from django.contrib.auth import user_logged_in
from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from regie_site.auth import lockout_response
from regie_site.auth_token import RegieTokenAuthentication
from regie_site.parsers import JSONParser

token_request = inline_serializer(
    "TokenRequest",
    {"username": serializers.CharField(), "password": serializers.CharField()},
)
token_response = inline_serializer("TokenResponse", {"token": serializers.CharField()})
locked_response = OpenApiResponse(
    inline_serializer("LockedOut", {"detail": serializers.CharField()}),
    description="Too many wrong passwords for this user name: try again later.",
)


class RegieTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of ``RegieTokenAuthentication`` (knox's)."""

    target_class = RegieTokenAuthentication


def delete_expired_tokens(user) -> None:
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()


class TokenCreateView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=token_request,
        responses={200: token_response, 429: locked_response},
        summary="Exchange a user name and password for an API token",
        description=(
            "The token expires after the server's REGIE_API_TOKEN_TTL_HOURS (a week "
            "by default); revoke it earlier with `auth/token/revoke/`. Each call "
            "gives a new token."
        ),
    )
    def post(self, request: Request) -> Response:
        http_request = request._request  # django-axes reads and marks this one
        serializer = AuthTokenSerializer(
            data=request.data, context={"request": http_request}
        )
        valid = serializer.is_valid()
        if getattr(http_request, "axes_locked_out", False):
            return lockout_response(http_request)
        if not valid:
            serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        delete_expired_tokens(user)
        _, token = AuthToken.objects.create(user=user)
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        return Response({"token": token})


class TokenRevokeView(APIView):
    authentication_classes = [RegieTokenAuthentication]

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Revoke the token this request is made with",
    )
    def post(self, request: Request) -> Response:
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRevokeAllView(APIView):
    authentication_classes = [RegieTokenAuthentication, SessionAuthentication]

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Revoke every API token of the signed-in user",
    )
    def post(self, request: Request) -> Response:
        AuthToken.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

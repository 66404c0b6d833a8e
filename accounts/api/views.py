"""Accounts API for the mobile app: register, log in/out, refresh, the signed-in user, history.

Authentication is a JWT: ``Authorization: Bearer <access>``. Everything under ``users/me`` is
about the caller only; no endpoint takes another user's id.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import selectors, services
from accounts.api.requests import signed_in_user
from accounts.api.serializers import (
    LoginSerializer,
    PasswordSerializer,
    PracticeHistoryItemSerializer,
    RefreshSerializer,
    RefreshTokenSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    TokenRotationSerializer,
    UserPatchSerializer,
    UserSerializer,
    as_drf_error,
)
from accounts.models import User
from core.api import StrictPagination
from core.net import client_ip

DetailSerializer = inline_serializer("Detail", {"detail": serializers.CharField()})
LockedSerializer = inline_serializer(
    "LoginLocked", {"detail": serializers.CharField(), "retry_after": serializers.IntegerField()}
)
FIELD_ERRORS = OpenApiResponse(description="Invalid input: `{field: [message, ...]}`.")
UNAUTHORIZED = OpenApiResponse(DetailSerializer, description="Missing, invalid or expired token.")


def _tokens_for(user: User) -> dict[str, Any]:
    return {**services.user_tokens_create(user=user), "user": UserSerializer(user).data}


class PublicAuthView(APIView):
    # Credentials come in the body, so no Authorization header is read; a 401 still names Bearer.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        return f'{jwt_settings.AUTH_HEADER_TYPES[0]} realm="api"'


class RegisterView(PublicAuthView):
    """Create a learner account and return it with a token pair, as a log-in would."""

    @extend_schema(
        tags=["auth"],
        summary="Create an account",
        description="The account's language is the request's (`Accept-Language`: ja or en; Japanese otherwise).",
        request=RegisterSerializer,
        responses={201: TokenPairSerializer, 400: FIELD_ERRORS},
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.user_register(**serializer.validated_data, language=get_language())
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(_tokens_for(user), status=status.HTTP_201_CREATED)


class LoginView(PublicAuthView):
    """Exchange a username or e-mail address and a password for a token pair.

    Repeated failures lock the account, and the client address, for a while: then even the
    right password gets a 429 whose `Retry-After` header says how many seconds to wait.
    """

    @extend_schema(
        tags=["auth"],
        summary="Log in with a username or an e-mail address",
        request=LoginSerializer,
        responses={
            200: TokenPairSerializer,
            400: FIELD_ERRORS,
            401: OpenApiResponse(DetailSerializer, description="Wrong username/e-mail or password."),
            429: OpenApiResponse(LockedSerializer, description="Locked out; see the `Retry-After` header."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.user_login_attempt(
                identifier=serializer.validated_data["username"],
                password=serializer.validated_data["password"],
                client_ip=client_ip(request),
            )
        except services.LoginLockedError as exc:
            body = {"detail": exc.message, "retry_after": exc.retry_after}
            headers = {"Retry-After": str(exc.retry_after)}
            return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)
        except services.InvalidCredentialsError as exc:
            raise AuthenticationFailed(exc.message, code="invalid_credentials") from exc
        return Response(_tokens_for(user))


@extend_schema(
    tags=["auth"],
    summary="Exchange a refresh token for a new access and refresh token",
    description="The refresh token sent is revoked: keep the new one.",
    request=RefreshTokenSerializer,
    responses={200: TokenRotationSerializer, 400: FIELD_ERRORS, 401: UNAUTHORIZED},
)
class RefreshView(TokenRefreshView):
    serializer_class = RefreshSerializer  # type: ignore[assignment]


class LogoutView(PublicAuthView):
    """Revoke a refresh token: it can no longer be exchanged. Access tokens expire on their own."""

    @extend_schema(
        tags=["auth"],
        summary="Log out this device: revoke its refresh token",
        request=RefreshTokenSerializer,
        responses={204: None, 400: FIELD_ERRORS, 401: UNAUTHORIZED},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.user_token_revoke(refresh=serializer.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The caller's own account; there is no way to address another user's."""

    delete_takes_body = True  # the password, asked again

    @extend_schema(tags=["users"], summary="The signed-in user", responses={200: UserSerializer, 401: UNAUTHORIZED})
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(signed_in_user(request)).data)

    @extend_schema(
        tags=["users"],
        summary="Change the display name and preferences",
        request=UserSerializer,
        responses={200: UserSerializer, 400: FIELD_ERRORS, 401: UNAUTHORIZED},
    )
    def put(self, request: Request) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        tags=["users"],
        summary="Change some of the display name and preferences",
        request=UserPatchSerializer,
        responses={200: UserSerializer, 400: FIELD_ERRORS, 401: UNAUTHORIZED},
    )
    def patch(self, request: Request) -> Response:
        return self._update(request, partial=True)

    @extend_schema(
        tags=["users"],
        summary="Delete my account and all its data",
        request=PasswordSerializer,
        responses={204: None, 400: FIELD_ERRORS, 401: UNAUTHORIZED},
    )
    def delete(self, request: Request) -> Response:
        user = signed_in_user(request)
        serializer = PasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.user_delete(user=user, password=serializer.validated_data["password"])
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, *, partial: bool) -> Response:
        user = signed_in_user(request)
        serializer = UserSerializer(user, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            services.user_update(user=user, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(UserSerializer(user).data)


class HistoryPagination(StrictPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class HistoryView(GenericAPIView):
    """The caller's past practice sessions from every mode, newest first (`page`, `page_size`)."""

    serializer_class = PracticeHistoryItemSerializer
    pagination_class = HistoryPagination

    @extend_schema(
        tags=["users"],
        summary="My practice history, newest first",
        responses={200: PracticeHistoryItemSerializer(many=True), 401: UNAUTHORIZED},
    )
    def get(self, request: Request) -> Response:
        items = selectors.practice_history_for_user(signed_in_user(request))
        page = self.paginate_queryset(items)  # type: ignore[arg-type]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

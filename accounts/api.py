"""JSON API for accounts: who am I, and my API keys."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import ApiKey
from personai.pagination import BoundedLimitOffsetPagination
from personai.validation import StrictCharField


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        email = serializers.EmailField()
        username = serializers.CharField()
        persona_type = serializers.CharField(
            allow_blank=True, help_text="Your primary persona type (e.g. 'Startup Founder'); may be empty."
        )

        class Meta:
            ref_name = "Me"

    @extend_schema(
        operation_id="me_retrieve",
        summary="The authenticated user",
        responses={200: OutputSerializer},
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)


class ApiKeyOutputSerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        ref_name = "ApiKey"
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "is_active"]
        read_only_fields = fields


KEY_FROM_KEY_MESSAGE = (
    "API keys cannot create API keys: a key made that way would outlive the revocation of the "
    "key that made it. Create keys while signed in, on your account page."
)


class ApiKeyListCreateApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    class InputSerializer(serializers.Serializer):
        name = StrictCharField(max_length=services.NAME_MAX_LENGTH)  # a number is not a name

        class Meta:
            ref_name = "ApiKeyCreate"

    class CreatedSerializer(ApiKeyOutputSerializer):
        key = serializers.CharField(
            read_only=True, help_text="The full key. It is shown only in this response; store it now."
        )

        class Meta(ApiKeyOutputSerializer.Meta):
            ref_name = "ApiKeyCreated"
            fields = [*ApiKeyOutputSerializer.Meta.fields, "key"]
            read_only_fields = fields

    @extend_schema(
        operation_id="api_keys_list",
        summary="List my API keys",
        responses={200: ApiKeyOutputSerializer(many=True)},
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.api_key_list(user=request.user), request, view=self)
        return paginator.get_paginated_response(ApiKeyOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="api_keys_create",
        summary="Create an API key",
        description=(
            "The response holds the full key once; only its hash is stored. Only a signed-in "
            "session can create keys: a request authenticated by an API key gets 403."
        ),
        request=InputSerializer,
        responses={
            201: CreatedSerializer,
            403: OpenApiResponse(description="Authenticated with an API key (use a browser session)."),
        },
        tags=["accounts"],
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiKey):
            raise PermissionDenied(KEY_FROM_KEY_MESSAGE)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            api_key, raw_key = services.api_key_create(user=request.user, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        data = {**ApiKeyOutputSerializer(api_key).data, "key": raw_key}
        return Response(data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    @extend_schema(
        operation_id="api_keys_revoke",
        summary="Revoke one of my API keys",
        description="The key stops working at once. It stays listed, marked revoked.",
        responses={204: OpenApiResponse(description="Revoked.")},
        tags=["accounts"],
    )
    def delete(self, request: Request, api_key_id: UUID) -> Response:
        api_key = get_object_or_404(selectors.api_key_list(user=request.user), pk=api_key_id)
        services.api_key_revoke(api_key=api_key)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""Accounts endpoints, included under /api/v1/ (namespace "api")."""

from django.urls import path

from accounts import api

urlpatterns = [
    path("me", api.MeApi.as_view(), name="me"),
    path("api-keys/", api.ApiKeyListCreateApi.as_view(), name="api-key-list"),
    path("api-keys/<uuid:api_key_id>/", api.ApiKeyRevokeApi.as_view(), name="api-key-detail"),
]

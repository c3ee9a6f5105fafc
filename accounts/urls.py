"""Account pages, mounted under /accounts/ next to allauth's own URLs."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("profile/", views.profile, name="account_profile"),
    path("api-keys/", views.api_key_create, name="account_api_key_create"),
    path("api-keys/<uuid:api_key_id>/revoke/", views.api_key_revoke, name="account_api_key_revoke"),
]

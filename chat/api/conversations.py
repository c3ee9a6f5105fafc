"""Conversations API."""

urlpatterns = []

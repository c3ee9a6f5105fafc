"""API: observations."""

urlpatterns: list = []

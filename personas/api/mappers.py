"""API: mappers."""

urlpatterns: list = []

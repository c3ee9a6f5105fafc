"""API: narratives."""

urlpatterns: list = []

"""API: feedback."""

urlpatterns: list = []

"""API: personas."""

urlpatterns: list = []

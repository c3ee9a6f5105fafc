"""API: mindscapes."""

urlpatterns: list = []

"""Messages API."""

urlpatterns = []

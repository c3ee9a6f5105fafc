"""Personas pages (namespace "personas")."""

from personas.views import mappers, narratives, personas, subjects

app_name = "personas"

urlpatterns = [
    *subjects.urlpatterns,
    *narratives.urlpatterns,
    *personas.urlpatterns,
    *mappers.urlpatterns,
]

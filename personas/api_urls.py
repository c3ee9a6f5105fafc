"""Personas endpoints, included under /api/v1/ (namespace "api")."""

from personas.api import feedback, mappers, mindscapes, narratives, observations, personas

urlpatterns = [
    *observations.urlpatterns,
    *mindscapes.urlpatterns,
    *narratives.urlpatterns,
    *mappers.urlpatterns,
    *personas.urlpatterns,
    *feedback.urlpatterns,
]

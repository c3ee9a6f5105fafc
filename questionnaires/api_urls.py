"""Questionnaire library endpoints, included under /api/v1/ (namespace "api")."""

from django.urls import path

from questionnaires import api

urlpatterns = [
    path("questionnaires/", api.QuestionnaireListApi.as_view(), name="questionnaire-list"),
    # Before the slug routes, so that "import" is never read as a slug (the API refuses that slug).
    path("questionnaires/import/", api.QuestionnaireImportApi.as_view(), name="questionnaire-import"),
    path("questionnaires/<str:slug>/", api.QuestionnaireDetailApi.as_view(), name="questionnaire-detail"),
    path(
        "questionnaires/<str:slug>/document/",
        api.QuestionnaireDocumentApi.as_view(),
        name="questionnaire-document",
    ),
]

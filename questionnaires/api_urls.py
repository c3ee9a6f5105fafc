"""Questionnaire library endpoints, included under /api/v1/ (namespace "api")."""

from django.urls import path

from questionnaires import api

urlpatterns = [
    path("questionnaires/", api.QuestionnaireListApi.as_view(), name="questionnaire-list"),
    path("questionnaires/<str:slug>/", api.QuestionnaireDetailApi.as_view(), name="questionnaire-detail"),
]

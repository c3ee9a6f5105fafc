"""Assessments endpoints, included under /api/v1/ (namespace "api")."""

from django.urls import path

from assessments import api, api_reports, api_responders

urlpatterns = [
    path("sessions/", api.SessionListCreateApi.as_view(), name="session-list"),
    path("sessions/<uuid:session_id>/", api.SessionDetailApi.as_view(), name="session-detail"),
    path(
        "sessions/<uuid:session_id>/responses/", api.SessionResponsesApi.as_view(), name="session-responses"
    ),
    path("sessions/<uuid:session_id>/submit/", api.SessionSubmitApi.as_view(), name="session-submit"),
    path("sessions/<uuid:session_id>/scores/", api.SessionScoresApi.as_view(), name="session-scores"),
    path("sessions/<uuid:session_id>/runs/", api.SessionRunsApi.as_view(), name="session-runs"),
    path("sessions/<uuid:session_id>/rescore/", api.SessionRescoreApi.as_view(), name="session-rescore"),
    path(
        "sessions/<uuid:session_id>/components/",
        api.SessionComponentsApi.as_view(),
        name="session-components",
    ),
    path("sessions/<uuid:session_id>/export.csv", api.SessionExportApi.as_view(), name="session-export"),
    path("surveys/", api.SurveyListCreateApi.as_view(), name="survey-list"),
    path("surveys/<uuid:survey_id>/", api.SurveyDetailApi.as_view(), name="survey-detail"),
    path("surveys/<uuid:survey_id>/close/", api.SurveyCloseApi.as_view(), name="survey-close"),
    path("surveys/<uuid:survey_id>/reopen/", api.SurveyReopenApi.as_view(), name="survey-reopen"),
    path("surveys/<uuid:survey_id>/results/", api.SurveyResultsApi.as_view(), name="survey-results"),
    path("surveys/<uuid:survey_id>/export.csv", api.SurveyExportApi.as_view(), name="survey-export"),
    path("subjects/", api.SubjectListApi.as_view(), name="subject-list"),
    path("subjects/<uuid:subject_id>/averages/", api.SubjectAveragesApi.as_view(), name="subject-averages"),
    path(
        "questionnaires/<slug:slug>/export.csv",
        api.QuestionnaireExportApi.as_view(),
        name="questionnaire-export",
    ),
    path("sessions/<uuid:session_id>/report/", api_reports.SessionReportApi.as_view(), name="session-report"),
    # Anonymous survey responders: public, a responder token instead of an account.
    path("s/<str:share_token>/", api_responders.ResponderSurveyApi.as_view(), name="responder-survey"),
    path(
        "s/<str:share_token>/responses/",
        api_responders.ResponderStartApi.as_view(),
        name="responder-responses",
    ),
    path(
        "s/<str:share_token>/responses/<uuid:session_id>/",
        api_responders.ResponderResponsesApi.as_view(),
        name="responder-response",
    ),
    path(
        "s/<str:share_token>/responses/<uuid:session_id>/submit/",
        api_responders.ResponderSubmitApi.as_view(),
        name="responder-submit",
    ),
]

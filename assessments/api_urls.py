"""Assessments endpoints, included under /api/v1/ (namespace "api")."""

from django.urls import path

from assessments.api import benchmarks, csv_exports, reports, responders, sessions, subjects, surveys

urlpatterns = [
    *benchmarks.urlpatterns,
    path("sessions/", sessions.SessionListCreateApi.as_view(), name="session-list"),
    path("sessions/<uuid:session_id>/", sessions.SessionDetailApi.as_view(), name="session-detail"),
    path(
        "sessions/<uuid:session_id>/responses/",
        sessions.SessionResponsesApi.as_view(),
        name="session-responses",
    ),
    path("sessions/<uuid:session_id>/submit/", sessions.SessionSubmitApi.as_view(), name="session-submit"),
    path("sessions/<uuid:session_id>/scores/", sessions.SessionScoresApi.as_view(), name="session-scores"),
    path("sessions/<uuid:session_id>/runs/", sessions.SessionRunsApi.as_view(), name="session-runs"),
    path("sessions/<uuid:session_id>/rescore/", sessions.SessionRescoreApi.as_view(), name="session-rescore"),
    path(
        "sessions/<uuid:session_id>/components/",
        sessions.SessionComponentsApi.as_view(),
        name="session-components",
    ),
    path(
        "sessions/<uuid:session_id>/export.csv", csv_exports.SessionExportApi.as_view(), name="session-export"
    ),
    path("surveys/", surveys.SurveyListCreateApi.as_view(), name="survey-list"),
    path("surveys/<uuid:survey_id>/", surveys.SurveyDetailApi.as_view(), name="survey-detail"),
    path("surveys/<uuid:survey_id>/close/", surveys.SurveyCloseApi.as_view(), name="survey-close"),
    path("surveys/<uuid:survey_id>/reopen/", surveys.SurveyReopenApi.as_view(), name="survey-reopen"),
    path("surveys/<uuid:survey_id>/results/", surveys.SurveyResultsApi.as_view(), name="survey-results"),
    path(
        "surveys/<uuid:survey_id>/invitations/",
        surveys.SurveyInvitationListCreateApi.as_view(),
        name="survey-invitations",
    ),
    path(
        "surveys/<uuid:survey_id>/invitations/<uuid:invitation_id>/revoke/",
        surveys.SurveyInvitationRevokeApi.as_view(),
        name="survey-invitation-revoke",
    ),
    path("surveys/<uuid:survey_id>/export.csv", csv_exports.SurveyExportApi.as_view(), name="survey-export"),
    path("subjects/", subjects.SubjectListApi.as_view(), name="subject-list"),
    path(
        "subjects/<uuid:subject_id>/averages/", subjects.SubjectAveragesApi.as_view(), name="subject-averages"
    ),
    path(
        "questionnaires/<slug:slug>/export.csv",
        csv_exports.QuestionnaireExportApi.as_view(),
        name="questionnaire-export",
    ),
    path("sessions/<uuid:session_id>/report/", reports.SessionReportApi.as_view(), name="session-report"),
    # Anonymous survey responders: public, a responder token instead of an account.
    path("s/<str:share_token>/", responders.ResponderSurveyApi.as_view(), name="responder-survey"),
    path(
        "s/<str:share_token>/questionnaire/",
        responders.ResponderQuestionnaireApi.as_view(),
        name="responder-questionnaire",
    ),
    path(
        "s/<str:share_token>/responses/",
        responders.ResponderStartApi.as_view(),
        name="responder-responses",
    ),
    path(
        "s/<str:share_token>/responses/<uuid:session_id>/",
        responders.ResponderResponsesApi.as_view(),
        name="responder-response",
    ),
    path(
        "s/<str:share_token>/responses/<uuid:session_id>/submit/",
        responders.ResponderSubmitApi.as_view(),
        name="responder-submit",
    ),
]

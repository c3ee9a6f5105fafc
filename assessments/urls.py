from django.urls import path

from assessments.views import benchmarks, results, sessions, surveys

app_name = "assessments"

urlpatterns = [
    path("questionnaires/", sessions.catalogue, name="catalogue"),
    path("questionnaires/<slug:slug>/", sessions.start, name="start"),
    # A signed-in user's own sessions.
    path("assessments/<uuid:session_id>/", sessions.resume, name="resume"),
    path("assessments/<uuid:session_id>/q/<int:page>/", sessions.take, name="take"),
    path("assessments/<uuid:session_id>/autosave/", sessions.autosave, name="autosave"),
    path("assessments/<uuid:session_id>/review/", sessions.review, name="review"),
    path("assessments/<uuid:session_id>/submit/", sessions.submit, name="submit"),
    path("assessments/<uuid:session_id>/done/", sessions.done, name="done"),
    path("assessments/<uuid:session_id>/status/", sessions.status, name="status"),
    path("assessments/<uuid:session_id>/results/", results.results, name="results"),
    path("assessments/<uuid:session_id>/results/chart.svg", results.results_chart, name="results_chart"),
    path("assessments/<uuid:session_id>/results/share/", results.share_create, name="share_create"),
    path(
        "assessments/<uuid:session_id>/results/share/<uuid:share_id>/revoke/",
        results.share_revoke,
        name="share_revoke",
    ),
    path("assessments/<uuid:session_id>/rescore/", sessions.rescore, name="rescore"),
    path("assessments/<uuid:session_id>/runs/<uuid:run_id>/retry/", sessions.retry, name="retry"),
    # LLM benchmarks: my agents, a benchmark's progress, the comparison.
    path("agents/", benchmarks.agent_list, name="agents"),
    path("agents/<uuid:agent_id>/", benchmarks.agent_detail, name="agent_detail"),
    path("benchmarks/compare/", benchmarks.compare, name="benchmark_compare"),
    path("benchmarks/new/", benchmarks.benchmark_new, name="benchmark_new"),
    path("benchmarks/fidelity/<uuid:subject_id>/", benchmarks.fidelity_detail, name="benchmark_fidelity"),
    path(
        "benchmarks/fidelity/<uuid:subject_id>/run/", benchmarks.fidelity_run, name="benchmark_fidelity_run"
    ),
    path("benchmarks/<uuid:benchmark_id>/", benchmarks.benchmark_detail, name="benchmark_detail"),
    path("benchmarks/<uuid:benchmark_id>/cancel/", benchmarks.benchmark_cancel, name="benchmark_cancel"),
    # Surveys about me (the owner's side).
    path("surveys/", surveys.survey_list, name="surveys"),
    path("surveys/new/", surveys.survey_create, name="survey_create"),
    path("surveys/<uuid:survey_id>/", surveys.survey_detail, name="survey_detail"),
    path("surveys/<uuid:survey_id>/status/", surveys.survey_status, name="survey_status"),
    path("surveys/<uuid:survey_id>/settings/", surveys.survey_settings, name="survey_settings"),
    path("surveys/<uuid:survey_id>/invitations/", surveys.survey_invitations, name="survey_invitations"),
    path(
        "surveys/<uuid:survey_id>/invitations.txt",
        surveys.survey_invitations_text,
        name="survey_invitations_text",
    ),
    path(
        "surveys/<uuid:survey_id>/invitations/<uuid:invitation_id>/revoke/",
        surveys.survey_invitation_revoke,
        name="survey_invitation_revoke",
    ),
    # Anonymous responders: everything under the share link, where their signed cookie lives.
    path("s/<str:share_token>/", surveys.survey_landing, name="survey_landing"),
    # A personal single-use invitation: under the share link, so the responder cookie applies.
    path(
        "s/<str:share_token>/i/<str:invitation_token>/", surveys.survey_invitation, name="survey_invitation"
    ),
    path("s/<str:share_token>/q/<int:page>/", surveys.survey_take, name="survey_take"),
    path("s/<str:share_token>/autosave/", surveys.survey_autosave, name="survey_autosave"),
    path("s/<str:share_token>/review/", surveys.survey_review, name="survey_review"),
    path("s/<str:share_token>/submit/", surveys.survey_submit, name="survey_submit"),
    path("s/<str:share_token>/thanks/", surveys.survey_thanks, name="survey_thanks"),
    # Shared results: a private link, no account needed (not indexed).
    path("r/<str:token>/", results.shared_result, name="shared_result"),
    path("r/<str:token>/chart.svg", results.shared_result_chart, name="shared_result_chart"),
]

"""GET /api/v1/sessions/{id}/scores/: nested dimension scores, composites, poll while pending."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import scoring, selectors, services
from assessments.models import AnalysisRun
from tests.assessments.factories import (
    VALID_ANSWERS,
    import_api_instrument,
    score_now,
    scored_session,
    self_session,
    valid_answers_for,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def scores(client, session, **params):
    return client.get(f"/api/v1/sessions/{session.pk}/scores/", params)


def engine_result(version, answers):
    version = selectors.version_with_items(version.pk)
    parsed = {key: entry.answer for key, entry in services.parse_answers(version, answers).items()}
    return scoring.score(selectors.engine_instrument(version), parsed, as_of=timezone.now())


def test_a_pending_run_is_200_with_its_status_and_no_scores(api_client, user):
    session = self_session(user, import_api_instrument(), VALID_ANSWERS)
    run = services.session_submit(session=session)
    api_client.force_login(user)

    response = scores(api_client, session)

    assert response.status_code == 200
    body = response.json()
    assert body["run"]["id"] == str(run.pk)
    assert body["run"]["status"] == "pending"
    assert body["dimensions"] == body["composites"] == body["skipped"] == body["unanswered"] == []


def test_a_done_run_has_domains_with_facets_nested(api_client, user):
    version = import_api_instrument()
    session = scored_session(user, version, VALID_ANSWERS)
    expected = engine_result(version, VALID_ANSWERS)
    api_client.force_login(user)

    body = scores(api_client, session).json()

    assert body["run"]["status"] == "done"
    assert body["run"]["score_version"] == expected.score_version
    assert [d["dimension"] for d in body["dimensions"]] == ["extraversion", "calm"]
    extraversion, calm = body["dimensions"]
    assert [f["dimension"] for f in extraversion["facets"]] == ["sociability"]
    sociability = extraversion["facets"][0]
    assert sociability["parent"] == "extraversion"
    assert sociability["facets"] == []
    assert calm["facets"] == []
    for shown in (extraversion, sociability, calm):
        engine = expected.dimension(shown["dimension"])
        assert shown["raw"] == pytest.approx(engine.raw)
        assert shown["normalized"] == pytest.approx(engine.normalized)
        assert shown["item_mean"] == pytest.approx(engine.item_mean)
        assert shown["band"] == engine.band
        assert shown["item_count"] == engine.item_count
    # q1 yes (2) + q5 yes (1) + party (1) = 4 on the facet; the domain adds q2 (4).
    assert sociability["raw"] == 4
    assert extraversion["raw"] == 8
    assert extraversion["band"] == "high"
    assert extraversion["band_label"] == "High"
    assert extraversion["name"] == "Extraversion"
    composites = {c["slug"]: c for c in body["composites"]}
    assert composites["primary"]["primary"] == expected.composite("primary").primary
    assert composites["energy"]["value"] == pytest.approx(expected.composite("energy").value)
    assert body["skipped"] == []
    assert body["unanswered"] == []


def test_skipped_and_unanswered_items_are_listed(api_client, user):
    session = scored_session(
        user, import_api_instrument(), {"q1": False, "q2": "2", "q3": "3", "q4": [], "q7": 0}
    )
    api_client.force_login(user)

    body = scores(api_client, session).json()

    assert body["skipped"] == ["q5"]
    assert body["unanswered"] == ["q6"]


def test_an_older_run_can_be_asked_for(api_client, user):
    session = scored_session(user, import_api_instrument())
    first = session.runs.get()
    second = services.run_rescore(session=session)
    api_client.force_login(user)

    latest = scores(api_client, session).json()
    older = scores(api_client, session, run=str(first.pk)).json()

    assert latest["run"]["id"] == str(second.pk)
    assert latest["run"]["status"] == "pending"
    assert older["run"]["id"] == str(first.pk)
    assert older["run"]["status"] == "done"
    assert older["dimensions"]


def test_a_run_of_another_session_is_a_404(api_client, user):
    version = import_api_instrument()
    session = scored_session(user, version)
    other = scored_session(user, version)
    api_client.force_login(user)

    response = scores(api_client, session, run=str(other.runs.get().pk))

    assert response.status_code == 404


def test_a_malformed_run_id_is_a_400(api_client, user):
    session = scored_session(user, import_api_instrument())
    api_client.force_login(user)

    response = scores(api_client, session, run="latest")

    assert response.status_code == 400
    assert response.json()["errors"] == {"run": ["run must be the id of a run (a UUID)."]}


def test_a_session_without_runs_is_a_404_saying_so(api_client, user):
    session = self_session(user, import_api_instrument())
    api_client.force_login(user)

    response = scores(api_client, session)

    assert response.status_code == 404
    assert response.json() == {"detail": "This session has no scores yet: submit it first."}


def test_only_staff_see_why_a_run_failed(api_client, user):
    session = self_session(user, import_api_instrument(), VALID_ANSWERS)
    run = services.session_submit(session=session)
    AnalysisRun.objects.filter(pk=run.pk).update(status="failed", error="KeyError: 'calm'")
    user.is_staff = True
    user.save()
    api_client.force_login(user)
    as_staff = scores(api_client, session).json()
    user.is_staff = False
    user.save()
    as_owner = scores(api_client, session).json()

    assert as_staff["run"]["status"] == as_owner["run"]["status"] == "failed"
    assert as_staff["run"]["error"] == "KeyError: 'calm'"
    assert as_owner["run"]["error"] is None
    assert as_owner["dimensions"] == []


def test_the_query_count_does_not_grow_with_the_number_of_items(api_client):
    def count_for(items: int) -> int:
        user = UserFactory()
        version = import_api_instrument(slug=f"size-{items}", items=items)
        session = self_session(user, version, valid_answers_for(version))
        score_now(session)
        api_client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = scores(api_client, session)
        assert response.status_code == 200
        assert response.json()["run"]["status"] == "done"
        return len(queries)

    small, large = count_for(0), count_for(60)

    assert small == large
    assert large <= 8

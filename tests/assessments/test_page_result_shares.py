"""Private share links for one result: created and revoked by the owner only, readable without an
account while active, never indexed, never showing the answers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessments import services
from assessments.models import ResultShare
from tests.assessments.factories import PAGE_ANSWERS, score_now, self_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    score_now(session)
    return session


def _share(user_client, session) -> ResultShare:
    response = user_client.post(f"/assessments/{session.pk}/results/share/")
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{session.pk}/results/#share"
    return ResultShare.objects.get(session=session)


def test_the_owner_creates_a_link_that_the_results_page_lists(user_client, scored):
    share = _share(user_client, scored)

    html = user_client.get(f"/assessments/{scored.pk}/results/").content.decode()
    assert share.run.session_id == scored.pk and share.revoked_at is None
    assert len(share.token) >= 43  # 256 random bits
    assert f"/r/{share.token}/" in html
    assert "Revoke" in html


def test_anyone_with_the_link_sees_the_result_without_an_account(user_client, scored):
    share = _share(user_client, scored)

    response = Client().get(f"/r/{share.token}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Shared result" in html
    assert "Warmth" in html and 'class="badge band band-' in html  # scores and bands
    assert '<meta name="robots" content="noindex, nofollow, noarchive">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_a_shared_result_shows_no_answers_and_no_owner_controls(user_client, scored):
    share = _share(user_client, scored)

    html = Client().get(f"/r/{share.token}/").content.decode()

    assert "Why this score?" not in html
    assert "How tidy is your desk?" not in html  # a question (and so the answers) stays private
    assert "Re-score" not in html and "Revoke" not in html and "Scoring history" not in html
    assert scored.subject.display_name not in html


def test_the_shared_chart_downloads_while_the_link_works(user_client, scored):
    share = _share(user_client, scored)

    response = Client().get(f"/r/{share.token}/chart.svg")

    # The page instrument has two domains: too few for a radar, so there is nothing to download.
    assert response.status_code == 404


def test_a_revoked_link_stops_working(user_client, scored):
    share = _share(user_client, scored)

    response = user_client.post(f"/assessments/{scored.pk}/results/share/{share.pk}/revoke/")

    assert response.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None
    assert Client().get(f"/r/{share.token}/").status_code == 404
    assert f"/r/{share.token}/" not in user_client.get(f"/assessments/{scored.pk}/results/").content.decode()


def test_revoking_twice_keeps_the_first_revocation(user_client, scored):
    share = _share(user_client, scored)
    url = f"/assessments/{scored.pk}/results/share/{share.pk}/revoke/"
    user_client.post(url)
    share.refresh_from_db()
    first = share.revoked_at

    user_client.post(url)

    share.refresh_from_db()
    assert share.revoked_at == first


def test_an_unknown_link_is_not_found():
    assert Client().get("/r/not-a-real-token/").status_code == 404


def test_another_user_cannot_create_a_link_to_my_result(client, other_user, scored):
    client.force_login(other_user)

    response = client.post(f"/assessments/{scored.pk}/results/share/")

    assert response.status_code == 404
    assert not ResultShare.objects.exists()


def test_another_user_cannot_revoke_my_link(user_client, client, other_user, scored):
    share = _share(user_client, scored)
    client.force_login(other_user)

    response = client.post(f"/assessments/{scored.pk}/results/share/{share.pk}/revoke/")

    assert response.status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None


def test_a_link_cannot_be_revoked_through_another_session(user_client, user, scored, page_version):
    share = _share(user_client, scored)
    other_session = self_session(user, page_version, PAGE_ANSWERS)
    score_now(other_session)

    response = user_client.post(f"/assessments/{other_session.pk}/results/share/{share.pk}/revoke/")

    assert response.status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None


def test_sharing_needs_a_sign_in_and_a_post(user_client, scored):
    response = Client().post(f"/assessments/{scored.pk}/results/share/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert user_client.get(f"/assessments/{scored.pk}/results/share/").status_code == 405
    assert not ResultShare.objects.exists()


def test_an_unscored_session_cannot_be_shared(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    services.session_submit(session=session)  # submitted, not scored yet

    assert user_client.post(f"/assessments/{session.pk}/results/share/").status_code == 404
    assert not ResultShare.objects.exists()


def _queries(client, url: str) -> int:
    connection.queries_log.clear()  # a full log (9000 entries) would shift the captured slice
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_shared_page_costs_the_same_with_one_link_or_many(user_client, scored):
    share = _share(user_client, scored)
    shared_url, owner_url = f"/r/{share.token}/", f"/assessments/{scored.pk}/results/"
    one = (_queries(Client(), shared_url), _queries(user_client, owner_url))

    for _ in range(5):
        user_client.post(f"/assessments/{scored.pk}/results/share/")

    assert (_queries(Client(), shared_url), _queries(user_client, owner_url)) == one

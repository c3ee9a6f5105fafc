"""The /search/ page: results grouped by type, reasons for bad input, recent searches."""

from __future__ import annotations

import pytest

from chat.models import SearchQuery
from tests.chat.factories import conversation_for
from tests.chat.search_factories import artifact, message

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(user, fake_llm):
    conversation = conversation_for(user, title="Mountain hut booking")
    return {
        "message": message(conversation, "Hikers want to book <b>mountain huts</b> early."),
        "artifact": artifact(user, conversation, "Book mountain huts online.", filename="huts-prd-v1.md"),
        "conversation": conversation,
    }


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/search/", {"q": "huts"})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_shows_hits_grouped_by_type_with_highlights(user_client, corpus):
    response = user_client.get("/search/", {"q": "mountain huts"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="group-conversation"' in page
    assert 'id="group-message"' in page
    assert 'id="group-artifact"' in page
    assert f'data-id="{corpus["message"].pk}"' in page
    assert f'href="/chat/{corpus["conversation"].pk}/#message-{corpus["message"].pk}"' in page
    assert "<mark>mountain</mark> <mark>huts</mark>" in page
    assert "<b>" not in page.split('id="results-title"')[1]
    assert SearchQuery.objects.filter(query_text="mountain huts").count() == 1


def test_the_types_checkboxes_filter_the_groups(user_client, corpus):
    page = user_client.get("/search/", {"q": "mountain huts", "types": ["artifact"]}).content.decode()

    assert 'id="group-artifact"' in page
    assert 'id="group-message"' not in page
    assert 'name="types" value="message">' in page  # unchecked now


@pytest.mark.parametrize(
    ("q", "reason"),
    [("   ", "Type something"), ("the and of", "stop words"), ("x" * 501, "At most 500 characters")],
)
def test_bad_input_shows_the_reason_and_logs_nothing(user_client, fake_llm, q, reason):
    response = user_client.get("/search/", {"q": q})

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not SearchQuery.objects.exists()


def test_an_unknown_type_shows_the_reason(user_client, fake_llm):
    response = user_client.get("/search/", {"q": "huts", "types": ["spaceship"]})

    assert response.status_code == 400
    assert "Unknown type" in response.content.decode()


def test_no_hits_says_so(user_client, corpus):
    page = user_client.get("/search/", {"q": "submarine"}).content.decode()

    assert "Nothing found" in page


def test_recent_searches_are_listed_and_removable(user_client, user, corpus):
    user_client.get("/search/", {"q": "mountain"})
    user_client.get("/search/", {"q": "huts"})
    first = SearchQuery.objects.get(query_text="mountain")

    page = user_client.get("/search/").content.decode()
    assert page.index(">huts</a>") < page.index(">mountain</a>")

    response = user_client.post(f"/search/recent/{first.pk}/delete/")
    assert response.status_code == 302
    assert list(SearchQuery.objects.values_list("query_text", flat=True)) == ["huts"]

    user_client.post("/search/recent/clear/")
    assert not SearchQuery.objects.filter(owner=user).exists()


def test_another_user_cannot_remove_my_recent_search(client, user, other_user, corpus):
    mine = SearchQuery.objects.create(owner=user, query_text="mine")
    client.force_login(other_user)

    response = client.post(f"/search/recent/{mine.pk}/delete/")

    assert response.status_code == 404
    assert SearchQuery.objects.filter(pk=mine.pk).exists()


def test_another_users_recent_searches_are_not_shown(client, user, other_user, fake_llm):
    SearchQuery.objects.create(owner=user, query_text="my private query")
    client.force_login(other_user)

    assert "my private query" not in client.get("/search/").content.decode()


def test_the_site_header_has_a_search_box(user_client, fake_llm):
    page = user_client.get("/chat/").content.decode()

    assert 'action="/search/"' in page
    assert 'id="site-search-q"' in page


def test_query_count_does_not_grow_with_data(user_client, user, fake_llm, django_assert_max_num_queries):
    for round_ in range(2):
        conversation = conversation_for(user, title=f"Mountain huts {round_}")
        for i in range(8):
            message(conversation, f"Mountain huts note {round_}-{i}")
        with django_assert_max_num_queries(30):
            response = user_client.get("/search/", {"q": "mountain huts"})
        assert response.status_code == 200

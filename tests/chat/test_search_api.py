"""GET /api/v1/search, recent searches: logging, bad input, ownership, query counts."""

from __future__ import annotations

import pytest

from chat.models import SearchQuery
from tests.chat.factories import conversation_for
from tests.chat.search_factories import artifact, message, run_embedding_tasks, set_vector
from tests.fakes.openai_server import fake_vector
from tests.personas.narrative_factories import own_subject

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search"
RECENT = "/api/v1/search/recent/"


@pytest.fixture
def mine(user, fake_llm):
    conversation = conversation_for(user, title="Hut booking app")
    found = {
        "message": message(conversation, "Hikers want to book mountain huts a week ahead."),
        "artifact": artifact(
            user, conversation, "# PRD\nBook mountain huts online.", filename="huts-prd-v1.md"
        ),
        "conversation": conversation,
    }
    from personas.services import narratives

    found["narrative"] = narratives.narrative_create(
        subject=own_subject(user),
        narrative_type="self_observation",
        raw_text="I sleep best in mountain huts.",
    )
    run_embedding_tasks()
    return found


@pytest.fixture
def theirs(other_user, fake_llm):
    conversation = conversation_for(other_user, title="Their mountain huts")
    found = {
        "message": message(conversation, "Secret: their mountain huts plan."),
        "artifact": artifact(other_user, conversation, "Their mountain huts PRD", filename="their-huts.md"),
        "conversation": conversation,
    }
    from personas.services import narratives

    found["narrative"] = narratives.narrative_create(
        subject=own_subject(other_user),
        narrative_type="self_observation",
        raw_text="Their mountain huts diary.",
    )
    run_embedding_tasks()
    return found


def search(client, **params):
    return client.get(SEARCH, params)


def hit_ids(body, kind):
    group = next(group for group in body["groups"] if group["type"] == kind)
    return [hit["id"] for hit in group["hits"]]


def test_it_finds_every_type_and_logs_the_search(api_client, user, mine):
    api_client.force_login(user)

    response = search(api_client, q="mountain huts")

    assert response.status_code == 200
    body = response.json()
    for kind in ("message", "artifact", "narrative"):
        assert hit_ids(body, kind) == [str(mine[kind].pk)]
    assert hit_ids(body, "conversation") == []  # the title says "Hut booking app": no "mountain"
    assert body["model"] == "fake-embedding"
    logged = SearchQuery.objects.get(pk=body["id"])
    assert logged.owner == user
    assert logged.query_text == "mountain huts"
    assert {(hit["type"], hit["id"]) for hit in logged.results["hits"]} == {
        (kind, str(mine[kind].pk)) for kind in ("message", "artifact", "narrative")
    }
    assert all(hit["score"] > 0 for hit in logged.results["hits"])


def test_another_users_messages_artifacts_and_narratives_never_appear(api_client, user, mine, theirs):
    # Theirs match the words, and their vectors are the query's own: the closest there can be.
    for kind in ("message", "artifact", "narrative"):
        set_vector(theirs[kind], fake_vector("mountain huts"))
    api_client.force_login(user)

    body = search(api_client, q="mountain huts").json()

    found = {hit["id"] for group in body["groups"] for hit in group["hits"]}
    assert found  # mine are there
    assert not found & {str(row.pk) for row in theirs.values()}


def test_their_exact_words_find_nothing_of_theirs(api_client, user, mine, theirs):
    api_client.force_login(user)

    body = search(api_client, q="secret plan diary").json()

    assert body["total"] == 0


def test_types_filter_limits_the_groups(api_client, user, mine):
    api_client.force_login(user)

    body = search(api_client, q="mountain huts", types="artifact, narrative").json()

    assert [group["type"] for group in body["groups"]] == ["artifact", "narrative"]
    assert body["types"] == ["artifact", "narrative"]


def test_limit_caps_hits_per_type(api_client, user, fake_llm):
    conversation = conversation_for(user)
    for i in range(4):
        message(conversation, f"Mountain huts note {i}")
    api_client.force_login(user)

    body = search(api_client, q="mountain huts", types="message", limit=2).json()

    assert len(hit_ids(body, "message")) == 2


@pytest.mark.parametrize(
    ("params", "field", "phrase"),
    [
        ({"q": "   "}, "q", "Type something"),
        ({"q": ""}, "q", "empty"),
        ({}, "q", "required"),
        ({"q": "x" * 501}, "q", "500"),
        ({"q": "the of and"}, "q", "stop words"),
        ({"q": "huts", "types": "messages,spaceships"}, "types", "Unknown type"),
        ({"q": "huts", "limit": 0}, "limit", "1"),
        ({"q": "huts", "limit": "many"}, "limit", "integer"),
    ],
)
def test_bad_input_is_a_400_with_a_reason_and_nothing_is_logged(
    api_client, user, fake_llm, params, field, phrase
):
    api_client.force_login(user)

    response = search(api_client, **params)

    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"]
    assert phrase.lower() in (body["detail"] + " ".join(body["errors"][field])).lower()
    assert not SearchQuery.objects.exists()


def test_anonymous_callers_are_refused(api_client):
    assert search(api_client, q="huts").status_code in (401, 403)
    assert api_client.get(RECENT).status_code in (401, 403)


def test_recent_searches_list_newest_first_and_only_mine(api_client, user, other_user, mine):
    api_client.force_login(user)
    search(api_client, q="mountain")
    search(api_client, q="huts")
    SearchQuery.objects.create(owner=other_user, query_text="their search")

    body = api_client.get(RECENT).json()

    assert [item["query_text"] for item in body] == ["huts", "mountain"]
    assert body[0]["total"] >= 1


def test_i_can_delete_one_recent_search(api_client, user, mine):
    api_client.force_login(user)
    first = search(api_client, q="mountain").json()["id"]
    second = search(api_client, q="huts").json()["id"]

    response = api_client.delete(f"{RECENT}{first}/")

    assert response.status_code == 204
    assert [str(pk) for pk in SearchQuery.objects.values_list("pk", flat=True)] == [second]


def test_another_user_cannot_delete_my_recent_search(api_client, user, other_user, mine):
    api_client.force_login(user)
    mine_id = search(api_client, q="mountain").json()["id"]
    api_client.force_login(other_user)

    response = api_client.delete(f"{RECENT}{mine_id}/")

    assert response.status_code == 404
    assert SearchQuery.objects.filter(pk=mine_id).exists()


def test_clearing_recent_searches_deletes_only_mine(api_client, user, other_user, mine):
    api_client.force_login(user)
    search(api_client, q="mountain")
    search(api_client, q="huts")
    theirs = SearchQuery.objects.create(owner=other_user, query_text="their search")

    response = api_client.delete(RECENT)

    assert response.status_code == 204
    assert list(SearchQuery.objects.all()) == [theirs]


def test_query_count_does_not_grow_with_data(api_client, user, fake_llm, django_assert_max_num_queries):
    api_client.force_login(user)
    for round_ in range(2):
        conversation = conversation_for(user, title=f"Mountain huts {round_}")
        for i in range(10):
            message(conversation, f"Mountain huts note {round_}-{i}")
            artifact(user, conversation, f"Mountain huts spec {i}", artifact_type="prd", version=i + 1)
        run_embedding_tasks()
        with django_assert_max_num_queries(25):
            response = search(api_client, q="mountain huts")
        assert response.status_code == 200


def test_when_the_embedding_model_is_down_words_still_find_it(api_client, user, mine, fake_llm):
    fake_llm.fail_next(10, status=500)
    api_client.force_login(user)

    response = search(api_client, q="mountain huts")

    assert response.status_code == 200
    body = response.json()
    assert hit_ids(body, "message") == [str(mine["message"].pk)]
    assert body["model"] == ""
    assert "unavailable" in body["notes"][0]

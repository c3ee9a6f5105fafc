"""Narrative pages: the subject page's section, add/edit/delete without JS, the search box (whole
page and htmx fragment), accepting and rejecting suggested links; others' things are a 404."""

from __future__ import annotations

import socket

import pytest

from personai.outbox import OutboxTask
from personas.models import Narrative, TraitNarrativeLink
from personas.services import narratives as services
from tests.personas.narrative_factories import own_subject, run_embed_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_embeddings(settings):
    settings.EMBEDDING_BASE_URL = ""  # the real in-process model


@pytest.fixture
def subject(user):
    return own_subject(user)


def write(subject, text="I do my best work before nine.", **extra):
    extra.setdefault("narrative_type", "self_observation")
    return services.narrative_create(subject=subject, raw_text=text, created_by=subject.user, **extra)


def test_the_subject_page_shows_the_narratives_section(user_client, subject):
    narrative = write(subject, tags=["mornings"])
    TraitNarrativeLink.objects.create(
        narrative=narrative,
        trait_path="big_five.conscientiousness.score",
        link_type="supports",
        confidence=0.41,
        status="suggested",
        metadata={"trait": "Conscientiousness"},
    )

    html = user_client.get(f"/subjects/{subject.pk}/").content.decode()

    assert 'id="narratives"' in html
    assert "I do my best work before nine." in html
    assert "#mornings" in html
    assert "pending" in html
    assert "big_five.conscientiousness.score" in html and "Accept" in html and "Reject" in html
    assert f'action="/subjects/{subject.pk}/narratives/add/"' in html
    assert f'action="/subjects/{subject.pk}/narratives/search/"' in html


def test_a_searchable_narrative_says_so(user_client, subject):
    write(subject)
    run_embed_tasks()

    html = user_client.get(f"/subjects/{subject.pk}/narratives/").content.decode()

    assert "searchable" in html and ">pending<" not in html


def test_adding_a_narrative_works_without_js_and_comes_back(user_client, subject):
    response = user_client.post(
        f"/subjects/{subject.pk}/narratives/add/",
        {
            "narrative_type": "self_observation",
            "raw_text": "Long walks sort my thoughts.",
            "tags": "Walking, thinking",
            "next": f"/subjects/{subject.pk}/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/subjects/{subject.pk}/"
    narrative = Narrative.objects.get()
    assert narrative.tags == ["walking", "thinking"] and narrative.created_by == subject.user
    assert OutboxTask.objects.filter(payload={"narrative_id": str(narrative.pk)}).exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"raw_text": "x" * 5001}, "at most 5000 characters"),
        ({"raw_text": "   "}, "This field is required"),
        ({"tags": ", ".join(f"t{n}" for n in range(21))}, "At most 20 tags"),
        ({"tags": "good, b@d"}, "may only contain"),
        ({"narrative_type": "curation"}, "must name the trait"),
    ],
)
def test_bad_input_shows_the_form_again_and_writes_nothing(user_client, subject, fields, message):
    data = {"narrative_type": "self_observation", "raw_text": "Fine.", "tags": "", **fields}

    response = user_client.post(f"/subjects/{subject.pk}/narratives/add/", data)

    assert response.status_code == 400
    assert message.lower() in response.content.decode().lower()
    assert not Narrative.objects.exists()
    assert not OutboxTask.objects.exists()


def test_next_never_leaves_the_site(user_client, subject):
    response = user_client.post(
        f"/subjects/{subject.pk}/narratives/add/",
        {"narrative_type": "self_observation", "raw_text": "Hi.", "next": "https://evil.example/"},
    )

    assert response["Location"] == f"/subjects/{subject.pk}/narratives/"


def test_editing_a_narrative(user_client, subject):
    narrative = write(subject, tags=["a"])

    form = user_client.get(f"/narratives/{narrative.pk}/edit/")
    response = user_client.post(
        f"/narratives/{narrative.pk}/edit/",
        {"narrative_type": "self_observation", "raw_text": "Changed my mind.", "tags": "a, b"},
    )

    assert form.status_code == 200 and "I do my best work before nine." in form.content.decode()
    assert response.status_code == 302
    narrative.refresh_from_db()
    assert narrative.raw_text == "Changed my mind." and narrative.tags == ["a", "b"]


def test_deleting_a_narrative_asks_first(user_client, subject):
    narrative = write(subject)

    confirm = user_client.get(f"/narratives/{narrative.pk}/delete/")
    response = user_client.post(f"/narratives/{narrative.pk}/delete/")

    assert confirm.status_code == 200 and "Delete this narrative?" in confirm.content.decode()
    assert response.status_code == 302
    assert not Narrative.objects.exists()


def test_the_search_page_shows_top_results_with_scores(user_client, subject):
    write(subject, "Weekends I climb peaks and walk trails.")
    write(subject, "I keep my inbox at zero.")
    run_embed_tasks()
    write(subject, "Not embedded yet.")

    html = user_client.get(
        f"/subjects/{subject.pk}/narratives/search/", {"q": "I love hiking in the mountains", "k": 2}
    ).content.decode()

    assert "<html" in html
    assert html.index("Weekends I climb peaks") < html.index("I keep my inbox at zero")
    assert "score 0." in html
    assert "1 narrative is not searchable yet" in html


def test_the_search_box_gets_just_the_results_over_htmx(user_client, subject):
    write(subject, "Weekends I climb peaks and walk trails.")
    run_embed_tasks()

    response = user_client.get(
        f"/subjects/{subject.pk}/narratives/search/", {"q": "mountains"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Weekends I climb peaks" in html


@pytest.mark.parametrize("query", ["", "   ", "x" * 501])
def test_an_empty_or_oversized_search_says_why(user_client, subject, query):
    html = user_client.get(f"/subjects/{subject.pk}/narratives/search/", {"q": query}).content.decode()

    assert 'role="alert"' in html


def test_an_unavailable_model_is_a_readable_message(user_client, subject, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMBEDDING_BASE_URL = f"http://127.0.0.1:{port}/v1"
    settings.EMBEDDING_MODEL = "remote"
    settings.LLM_MAX_RETRIES = 0

    html = user_client.get(f"/subjects/{subject.pk}/narratives/search/", {"q": "anything"}).content.decode()

    assert "The embedding model is unavailable right now" in html


@pytest.mark.parametrize(("action", "status"), [("accept", "accepted"), ("reject", "rejected")])
def test_suggestions_are_accepted_or_rejected(user_client, subject, action, status):
    narrative = write(subject)
    link = TraitNarrativeLink.objects.create(
        narrative=narrative, trait_path="disc.s.score", link_type="supports", status="suggested"
    )

    response = user_client.post(f"/trait-links/{link.pk}/{action}/", {"next": f"/subjects/{subject.pk}/"})

    assert response.status_code == 302
    link.refresh_from_db()
    assert link.status == status


# --------------------------------------------------------------------------- ownership


@pytest.fixture
def theirs(other_user):
    subject = own_subject(other_user)
    narrative = write(subject, "Their secret.")
    link = TraitNarrativeLink.objects.create(
        narrative=narrative, trait_path="disc.s.score", link_type="supports", status="suggested"
    )
    return {"subject": subject.pk, "narrative": narrative.pk, "link": link.pk}


PAGES = [
    ("get", "/subjects/{subject}/narratives/"),
    ("get", "/subjects/{subject}/narratives/add/"),
    ("post", "/subjects/{subject}/narratives/add/"),
    ("get", "/subjects/{subject}/narratives/search/?q=secret"),
    ("get", "/narratives/{narrative}/edit/"),
    ("post", "/narratives/{narrative}/edit/"),
    ("get", "/narratives/{narrative}/delete/"),
    ("post", "/narratives/{narrative}/delete/"),
    ("post", "/trait-links/{link}/accept/"),
    ("post", "/trait-links/{link}/reject/"),
]
FORM = {"narrative_type": "self_observation", "raw_text": "Overwritten."}


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_another_users_pages_are_404(user_client, theirs, method, url):
    response = getattr(user_client, method)(url.format(**theirs), FORM if method == "post" else None)

    assert response.status_code == 404
    assert Narrative.objects.get().raw_text == "Their secret."
    assert TraitNarrativeLink.objects.get().status == "suggested"


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, theirs, method, url):
    response = getattr(client, method)(url.format(**theirs), FORM if method == "post" else None)

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert Narrative.objects.get().raw_text == "Their secret."


# --------------------------------------------------------------------------- query counts


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _with_links(subject, n):
    for i in range(n):
        narrative = write(subject, f"Narrative {i}", tags=["a", "b"])
        for path in ("disc.d.score", "disc.i.score"):
            TraitNarrativeLink.objects.create(
                narrative=narrative, trait_path=path, link_type="supports", confidence=0.3, status="suggested"
            )


@pytest.mark.parametrize(
    "url",
    ["/subjects/{subject}/narratives/", "/api/v1/subjects/{subject}/narratives/", "/subjects/{subject}/"],
)
def test_the_number_of_queries_does_not_grow_with_the_narratives(user_client, subject, url):
    _with_links(subject, 2)
    few = _queries(user_client, url.format(subject=subject.pk))
    _with_links(subject, 10)
    many = _queries(user_client, url.format(subject=subject.pk))

    print(f"{url}: {many} queries")
    assert many == few

"""`{% partialdef … memo %}`: a take page's question blocks rendered once per state, per process."""

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.template import Context, RequestContext, Template
from django.urls import reverse
from django.utils import translation

from assessments import services
from assessments.templatetags import partials
from tests.assessments.factories import self_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_memo():
    partials.memo_clear()
    yield
    partials.memo_clear()


_compiled: dict[str, Template] = {}


def _render(source: str, **context) -> str:
    """Render `source`, compiled once (as the cached template loader keeps a page's template)."""
    if source not in _compiled:
        _compiled[source] = Template("{% load partials %}" + source)
    return _compiled[source].render(Context(context))


def test_the_same_state_is_rendered_once_and_a_changed_one_again():
    source = (
        "{% partialdef row memo inline %}<b>{{ item.key }}</b>{% if on %} on{% endif %}{% endpartialdef %}"
    )
    item = partials_test_value("a")

    assert _render(source, item=item, on=True) == "<b>a</b> on"
    assert len(partials._memo) == 1
    assert _render(source, item=item, on=True) == "<b>a</b> on"
    assert len(partials._memo) == 1
    assert _render(source, item=item, on=False) == "<b>a</b>"
    assert _render(source, item=partials_test_value("b"), on=False) == "<b>b</b>"
    assert len(partials._memo) == 3


def test_the_active_language_is_part_of_the_key():
    source = "{% partialdef row memo inline %}{{ word }}{% endpartialdef %}"
    with translation.override("en"):
        _render(source, word="x")
    with translation.override("de"):
        _render(source, word="x")
    assert len(partials._memo) == 2


@pytest.mark.parametrize(
    "body",
    ["{% url name %}", "{% now 'Y' %}", "{% include name %}", "{% translate word %}"],
)
def test_a_fragment_with_a_tag_it_cannot_see_through_is_never_remembered(body):
    source = "{% partialdef row memo inline %}" + body + "{% endpartialdef %}"
    Template("{% load partials i18n %}" + source)  # parses
    node = Template("{% load partials i18n %}" + source).nodelist[-1]
    assert node.roots is None


def test_a_remembered_fragment_gets_each_requests_own_csrf_token(rf):
    source = "{% partialdef form memo inline %}<form>{% csrf_token %}</form>{% endpartialdef %}"
    template = Template("{% load partials %}" + source)
    pages = []
    for _ in range(2):
        request = rf.get("/")
        pages.append((template.render(RequestContext(request)), request))

    assert len(partials._memo) == 1
    for html, request in pages:
        start, end = '<form><input type="hidden" name="csrfmiddlewaretoken" value="', '"></form>'
        assert html.startswith(start) and html.endswith(end)
        token = html[len(start) : -len(end)]
        # This request's own token, read as rendering reads it: also marked for the cookie.
        assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
        assert request.META["CSRF_COOKIE_NEEDS_UPDATE"]
    assert pages[0][0] != pages[1][0]  # tokens are masked per request


def test_a_url_set_as_a_variable_is_set_when_the_fragment_comes_from_memory():
    source = "{% partialdef links memo inline %}{% url 'dashboard' as home %}{% endpartialdef %}[{{ home }}]"

    assert _render(source) == "[/dashboard/]"
    assert _render(source) == "[/dashboard/]"
    assert len(partials._memo) == 1


def _without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1-", html)


def test_the_site_header_is_each_users_own(client, user, other_user, staff_user):
    catalogue = reverse("assessments:catalogue")
    pages = {}
    for who in (user, other_user, staff_user, None):
        client.logout()
        if who is not None:
            client.force_login(who)
        pages[who] = _without_tokens(client.get(catalogue).content.decode())
        assert _without_tokens(client.get(catalogue).content.decode()) == pages[who]  # from memory

    assert f'title="{user.email}">{user.username}<' in pages[user]
    assert f'title="{other_user.email}">{other_user.username}<' in pages[other_user]
    assert user.username not in pages[other_user]
    assert 'href="/admin/"' in pages[staff_user] and 'href="/admin/"' not in pages[user]
    assert "Log out" not in pages[None] and "Log in" in pages[None]
    assert 'aria-current="page">Questionnaires' in pages[None]


def test_the_memo_is_bounded_by_size(monkeypatch):
    monkeypatch.setattr(partials, "MEMO_MAX_CHARS", 25)
    source = "{% partialdef row memo inline %}{{ word }}{% endpartialdef %}"
    for word in ("a" * 10, "b" * 10):
        _render(source, word=word)
    assert len(partials._memo) == 2

    assert _render(source, word="c" * 10) == "c" * 10  # 30 characters: the older ones go

    assert len(partials._memo) == 1


def test_a_value_that_cannot_be_hashed_is_rendered_every_time():
    source = "{% partialdef row memo inline %}{% for x in xs %}{{ x }}{% endfor %}{% endpartialdef %}"
    assert _render(source, xs=[1, 2]) == "12"
    assert _render(source, xs=[3]) == "3"
    assert not partials._memo


def test_the_take_page_shows_the_current_answer_after_it_changed(user, user_client, page_version):
    session = self_session(user, page_version, {"tidy": 3})
    url = f"/assessments/{session.pk}/q/2/"
    first = user_client.get(url).content.decode()
    assert 'name="a-tidy" value="3" checked' in first
    remembered = len(partials._memo)
    assert remembered  # the page's question blocks
    again = user_client.get(url).content.decode()
    assert len(partials._memo) == remembered
    assert again.split('id="questions"')[1] == first.split('id="questions"')[1]

    services.responses_save(session=session, answers={"tidy": 7})
    changed = user_client.get(url).content.decode()

    assert 'name="a-tidy" value="7" checked' in changed
    assert 'name="a-tidy" value="3" checked' not in changed


def test_the_take_pages_heading_and_progress_are_remembered_and_follow_the_answers(
    user, user_client, page_version
):
    from django.template.loader import get_template

    fragments = get_template("assessments/take.html").template.extra_data["partials"]
    assert fragments["heading"].roots is not None and fragments["progress"].roots is not None

    session = self_session(user, page_version, {"tidy": 3})
    url = f"/assessments/{session.pk}/q/2/"
    first = user_client.get(url).content.decode()
    assert re.search(r"<strong>1 of \d+</strong> answered", first)
    remembered = len(partials._memo)
    assert _without_tokens(user_client.get(url).content.decode()) == _without_tokens(first)
    assert len(partials._memo) == remembered  # nothing new: every fragment came from memory

    services.responses_save(session=session, answers={"tidy": 7, "hosts": True})
    assert re.search(r"<strong>2 of \d+</strong> answered", user_client.get(url).content.decode())


def _without_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked (masked anew on every request)."""
    html = re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1-", html)
    return re.sub(r'("X-CSRFToken": ")[^"]+', r"\1-", html)


def partials_test_value(key: str):
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Item:
        key: str

    return Item(key)


def test_a_question_block_is_remembered_once_for_every_respondent(user, other_user, client, page_version):
    # Nothing in a question's HTML names the session (its autosave URL is relative), so the
    # first view of a page by a second respondent comes from memory too.
    mine = self_session(user, page_version, {"tidy": 3})
    theirs = self_session(other_user, page_version, {"tidy": 3})
    client.force_login(user)
    first = client.get(f"/assessments/{mine.pk}/q/2/").content.decode()
    remembered = set(partials._memo)

    client.force_login(other_user)
    second = client.get(f"/assessments/{theirs.pk}/q/2/").content.decode()

    questions = [
        key for key in set(partials._memo) - remembered if key[0].name == "question"
    ]  # fragments new with the second view
    assert questions == []
    assert str(mine.pk) not in first.split('id="questions"')[1].split("take-actions")[0]
    assert (
        first.split('id="questions"')[1].split("take-actions")[0]
        == (second.split('id="questions"')[1].split("take-actions")[0])
    )


def test_the_relative_autosave_url_leads_from_every_page_to_the_flows_autosave(user, page_version):
    from urllib.parse import urljoin

    from assessments.models import Survey
    from assessments.views.flow import Flow

    session = self_session(user, page_version, {})
    survey = Survey(share_token="tok3n", subject=session.subject, questionnaire_version=page_version)
    for flow in (Flow(session), Flow(session, survey=survey)):
        assert flow.autosave_href == "../../autosave/"
        for number in (1, 2, 12):
            page = f"http://testserver{flow.page_url(number)}"
            assert urljoin(page, flow.autosave_href) == f"http://testserver{flow.autosave_url}"
            assert urljoin(f"{page}?skipped=1", flow.autosave_href) == f"http://testserver{flow.autosave_url}"

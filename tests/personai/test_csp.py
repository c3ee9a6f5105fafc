"""Content-Security-Policy: only our own static files, and no page relies on anything inline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

from assessments import services
from tests.assessments.factories import (
    VALID_ANSWERS,
    import_api_instrument,
    import_page_instrument,
    scored_session,
    self_session,
)
from tests.factories import UserFactory

REPO = Path(__file__).resolve().parents[2]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_problems(html: str) -> list[str]:
    problems = []
    for name, pattern in [
        ("inline <script>", INLINE_SCRIPT),
        ("inline <style>", INLINE_STYLE),
        ("style attribute", STYLE_ATTRIBUTE),
        ("event handler attribute", HANDLER_ATTRIBUTE),
        ("javascript: URL", JAVASCRIPT_URL),
    ]:
        problems += [f"{name}: {match.group(0)[:120]}" for match in pattern.finditer(html)]
    # JSON data blocks (<script type="application/json">) are data, not code: allowed.
    return [p for p in problems if "application/json" not in p and "application/ld+json" not in p]


def template_files() -> list[Path]:
    dirs = [Path(d) for d in engines["django"].engine.dirs]
    dirs += [
        REPO / app / "templates" for app in ("accounts", "questionnaires", "assessments", "personas", "chat")
    ]
    return sorted(path for d in dirs if d.exists() for path in d.rglob("*.html"))


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_the_policy_allows_only_our_own_files():
    policy = directives(settings.CONTENT_SECURITY_POLICY)

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source or source == "*" for sources in policy.values() for source in sources)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/healthz", "/api/v1/me"])
def test_every_response_carries_the_policy(client, url):
    response = client.get(url)

    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_no_template_has_inline_scripts_styles_or_handlers():
    files = template_files()
    assert len(files) > 20
    found = {str(path.relative_to(REPO)): inline_problems(path.read_text()) for path in files}

    assert {path: problems for path, problems in found.items() if problems} == {}


@pytest.mark.django_db
def test_rendered_pages_have_nothing_inline(client, settings):
    settings.DEBUG = False
    user = UserFactory(is_staff=True, is_superuser=True)
    take_version = import_page_instrument()
    taking = self_session(user, take_version)
    results = scored_session(user, import_api_instrument(), VALID_ANSWERS)
    survey = services.survey_create(owner=user, version=take_version)
    found = {}
    for url in ["/", "/accounts/login/", "/accounts/signup/", f"/s/{survey.share_token}/", "/nope/"]:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        found[url] = inline_problems(response.content.decode())
    client.force_login(user)
    pages = [
        "/dashboard/",
        "/questionnaires/",
        f"/assessments/{taking.pk}/q/1/",
        f"/assessments/{taking.pk}/review/",
        f"/assessments/{results.pk}/results/",
        "/surveys/",
        f"/surveys/{survey.pk}/",
        "/accounts/email/",
        "/api/docs/",
        "/admin/",
        f"/admin/questionnaires/questionnaireversion/{take_version.pk}/change/",
        "/no-such-page/",
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        found[url] = inline_problems(response.content.decode())

    assert {url: problems for url, problems in found.items() if problems} == {}


@pytest.mark.django_db
def test_the_api_docs_load_their_start_up_script_from_a_url(client, user):
    client.force_login(user)

    page = client.get("/api/docs/").content.decode()
    script = re.search(r'<script src="([^"]*script[^"]*)"', page)

    assert script, page
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


@pytest.mark.django_db
def test_debug_error_pages_go_without_the_policy(client, settings):
    settings.DEBUG = True

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Content-Security-Policy" not in response

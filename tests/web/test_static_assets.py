"""Stylesheet, htmx and scripts are served locally; no page loads anything from another site."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

REPO = Path(__file__).resolve().parents[2]


class _AssetCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "img") and attributes.get("src"):
            self.urls.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"])


def _asset_urls(html: str) -> list[str]:
    collector = _AssetCollector()
    collector.feed(html)
    return collector.urls


@pytest.mark.parametrize(
    "path", ["css/personai.css", "js/htmx.min.js", "js/personai.js", "img/logo.svg", "img/favicon.svg"]
)
def test_the_asset_is_found_by_the_staticfiles_finders(path):
    assert finders.find(path) is not None


@pytest.mark.parametrize(
    ("url", "content_type", "marker"),
    [
        ("/static/css/personai.css", "text/css", b".btn-primary"),
        ("/static/js/htmx.min.js", "text/javascript", b"htmx"),
    ],
)
def test_it_serves_the_asset(client, url, content_type, marker):
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert marker in b"".join(response.streaming_content)


def test_the_bundled_htmx_is_version_2():
    source = Path(finders.find("js/htmx.min.js")).read_text(encoding="utf-8")

    assert re.search(r'version:"2\.\d+\.\d+"', source)


def test_the_base_template_names_no_external_url():
    source = (REPO / "templates" / "base.html").read_text(encoding="utf-8")

    assert "http://" not in source
    assert "https://" not in source


@pytest.mark.django_db
def test_pages_load_only_local_assets(client, user):
    pages = [client.get("/").content.decode()]
    client.force_login(user)
    pages.append(client.get("/dashboard/").content.decode())

    for html in pages:
        urls = _asset_urls(html)
        assert "/static/css/personai.css" in urls
        assert "/static/js/htmx.min.js" in urls
        assert all(url.startswith("/static/") for url in urls), urls

"""Error pages are HTML for people and JSON under /api/, also with DEBUG off."""

import pytest


@pytest.fixture
def production_client(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
def test_a_missing_page_is_a_friendly_html_404(production_client):
    response = production_client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/"' in html


@pytest.mark.django_db
def test_a_missing_api_endpoint_is_a_json_404(production_client):
    response = production_client.get("/api/v1/no-such-endpoint/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "There is nothing at this address."}


@pytest.mark.django_db
@pytest.mark.urls("tests.web.raising_urls")
def test_an_unhandled_error_in_a_page_renders_the_html_500_page(production_client):
    response = production_client.get("/explode/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "boom" not in html
    assert 'href="/"' in html


@pytest.mark.django_db
@pytest.mark.urls("tests.web.raising_urls")
def test_an_unhandled_error_under_api_is_json(production_client):
    response = production_client.get("/api/v1/explode/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert "boom" not in response.content.decode()

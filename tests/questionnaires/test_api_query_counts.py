"""Rendering a questionnaire takes the same number of queries whatever its length."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.questionnaires.factories import QuestionBranchRuleFactory, build_version

pytestmark = pytest.mark.django_db


def _queries(api_client, url, **params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = api_client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


def _version(items: int):
    version = build_version(items=items)
    for item in version.items.all()[1:]:
        QuestionBranchRuleFactory(item=item, logic={"!=": [{"var": "q1"}, "1"]})
    from questionnaires import services

    services.version_publish(version=version)
    return version


def test_the_detail_of_10_and_120_items_takes_the_same_queries(api_client, django_assert_num_queries):
    short, long = _version(10), _version(120)
    short_url = f"/api/v1/questionnaires/{short.questionnaire.slug}/"
    long_url = f"/api/v1/questionnaires/{long.questionnaire.slug}/"
    expected = _queries(api_client, short_url)

    with django_assert_num_queries(expected):
        api_client.get(long_url, {"lang": "de"})
    assert expected == 5


def test_the_list_takes_the_same_queries_for_1_and_12_questionnaires(api_client, django_assert_num_queries):
    _version(1)
    one = _queries(api_client, "/api/v1/questionnaires/")
    for _ in range(11):
        _version(2)

    with django_assert_num_queries(one):
        response = api_client.get("/api/v1/questionnaires/")
    assert response.json()["count"] == 12
    assert one == 3

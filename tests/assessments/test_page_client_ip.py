"""Per-IP survey limits and fingerprints see the real client behind a configured proxy."""

from django.test import RequestFactory

from assessments.cookies import client_ip


def test_without_a_proxy_setting_the_socket_address_is_the_client():
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_ip(request) == "198.51.100.7"


def test_behind_one_trusted_proxy_the_forwarded_address_is_the_client(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_ip(request) == "203.0.113.9"


def test_a_client_cannot_spoof_its_address_past_the_trusted_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    # The client sent a fake X-Forwarded-For; the proxy appended the real address last.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")

    assert client_ip(request) == "203.0.113.9"


def test_a_header_set_by_the_proxy_can_name_the_client(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.10")

    assert client_ip(request) == "203.0.113.10"

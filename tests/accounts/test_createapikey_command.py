from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts import services
from accounts.models import ApiKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("createapikey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_prints_a_working_key_once(user):
    out, err = _run("--email", user.email, "--name", "deploy bot")

    raw_key = out.strip()
    assert raw_key.startswith("pk_")
    assert services.api_key_authenticate(raw_key) == user
    assert ApiKey.objects.get(user=user).name == "deploy bot"
    assert "will not be shown again" in err
    assert raw_key not in err


def test_it_finds_the_user_whatever_the_case_of_the_email(user):
    out, _ = _run("--email", user.email.upper(), "--name", "x")

    assert services.api_key_authenticate(out.strip()) == user


def test_it_fails_cleanly_for_an_unknown_email(db):
    with pytest.raises(CommandError, match="No user has the email address 'nobody@example.com'"):
        _run("--email", "nobody@example.com", "--name", "x")

    assert not ApiKey.objects.exists()


def test_it_refuses_a_blank_name(user):
    with pytest.raises(CommandError, match="Give the key a name"):
        _run("--email", user.email, "--name", "  ")


def test_it_refuses_a_deactivated_account(db):
    user = UserFactory(is_active=False)

    with pytest.raises(CommandError, match="deactivated"):
        _run("--email", user.email, "--name", "x")


def test_it_exits_non_zero_from_the_shell_for_an_unknown_email(db):
    # call_command raises; the real entry point turns that into an exit status.
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "createapikey", "--email", "nobody@example.com", "--name", "x"])
    with pytest.raises(SystemExit) as excinfo:
        utility.execute()

    assert excinfo.value.code != 0

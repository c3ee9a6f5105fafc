"""Production settings come from the environment and fail loudly on bad values."""

import secrets
import string

from tests.web.helpers import run_python, subprocess_env


def _secret_key() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(50))


def test_the_deploy_check_passes_with_production_settings():
    env = subprocess_env(DEBUG="false", SECRET_KEY=_secret_key(), ALLOWED_HOSTS="personai.example.com")

    result = run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stderr + result.stdout


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_python("manage.py", "check", env=subprocess_env(DEBUG="false"))

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_refuses_a_debug_value_that_is_not_a_boolean():
    result = run_python("manage.py", "check", env=subprocess_env(DEBUG="maybe"))

    assert result.returncode != 0
    assert "DEBUG" in result.stderr
    assert "maybe" in result.stderr


def test_the_runner_refuses_a_port_that_is_not_a_number():
    result = run_python("-m", "personai.runner", env=subprocess_env(PORT="abc"), timeout=60)

    assert result.returncode != 0
    assert "PORT" in result.stderr
    # It failed before starting anything.
    assert "Embedded PostgreSQL" not in result.stdout

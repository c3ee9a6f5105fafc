"""`make run` serves like production unless DEBUG=true: a kept secret key, hosts from HOST."""

from __future__ import annotations

import socket
import stat

from personai.runner import serving_env
from tests.web.helpers import run_python, subprocess_env

PLAIN_HTTP = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS")


def test_it_defaults_to_debug_off_with_a_secret_key_generated_once(tmp_path):
    first = serving_env({}, tmp_path)
    second = serving_env({}, tmp_path)

    assert first["DEBUG"] == "false"
    assert len(first["SECRET_KEY"]) >= 50
    assert len(set(first["SECRET_KEY"])) >= 5
    assert second["SECRET_KEY"] == first["SECRET_KEY"]  # kept, so sessions survive a restart
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_each_data_directory_gets_its_own_key(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    assert serving_env({}, tmp_path / "a")["SECRET_KEY"] != serving_env({}, tmp_path / "b")["SECRET_KEY"]


def test_a_secret_key_from_the_environment_wins(tmp_path):
    env = serving_env({"SECRET_KEY": "k" * 60}, tmp_path)

    assert env["SECRET_KEY"] == "k" * 60
    assert not (tmp_path / "secret_key").exists()


def test_allowed_hosts_come_from_host(tmp_path):
    assert serving_env({}, tmp_path)["ALLOWED_HOSTS"].split(",")[:2] == ["127.0.0.1", "localhost"]
    named = serving_env({"HOST": "personai.lan"}, tmp_path)["ALLOWED_HOSTS"].split(",")
    assert named[0] == "personai.lan" and "127.0.0.1" in named
    assert serving_env({"HOST": "x", "ALLOWED_HOSTS": "a.example"}, tmp_path)["ALLOWED_HOSTS"] == "a.example"
    assert serving_env({"HOST": "::1"}, tmp_path)["ALLOWED_HOSTS"].split(",")[0] == "[::1]"
    everywhere = serving_env({"HOST": "0.0.0.0"}, tmp_path)["ALLOWED_HOSTS"].split(",")
    assert "0.0.0.0" not in everywhere and socket.gethostname() in everywhere


def test_it_serves_plain_http_on_this_machine_without_https_redirects(tmp_path):
    env = serving_env({}, tmp_path)

    assert [env[name] for name in PLAIN_HTTP] == ["false", "false", "false", "0"]
    assert serving_env({"SECURE_SSL_REDIRECT": "true"}, tmp_path)["SECURE_SSL_REDIRECT"] == "true"


def test_debug_true_is_for_development_and_generates_nothing(tmp_path):
    env = serving_env({"DEBUG": "true"}, tmp_path)

    assert env == {"DEBUG": "true"}
    assert not (tmp_path / "secret_key").exists()


def test_the_generated_key_passes_the_deploy_check(tmp_path):
    env = serving_env({"HOST": "personai.example.com"}, tmp_path)
    production = {name: value for name, value in env.items() if name not in PLAIN_HTTP}

    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--tag",
        "security",
        "--fail-level",
        "WARNING",
        env=subprocess_env(**production),
    )

    assert result.returncode == 0, result.stderr + result.stdout


def test_settings_refuse_a_key_shorter_than_the_deploy_check_accepts():
    short = subprocess_env(DEBUG="false", SECRET_KEY="s3cr3t-" + "aB9" * 14, ALLOWED_HOSTS="x")  # 49

    result = run_python("manage.py", "check", env=short)

    assert result.returncode != 0
    assert "at least 50" in result.stderr

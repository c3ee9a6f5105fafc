"""`make run` keeps the product up: a child that dies is restarted; only a crash loop or a
signal stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from personai.runner import Runner
from tests.web.helpers import REPO, subprocess_env
from tests.worker import wait_until

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
ALWAYS_CRASHES = [sys.executable, "-c", "import sys; sys.exit(1)"]


def crashes_once(marker) -> list[str]:
    """A child that exits with code 3 the first time it runs and sleeps the next time."""
    code = textwrap.dedent(
        """
        import os, sys, time
        if not os.path.exists(sys.argv[1]):
            open(sys.argv[1], "w").close()
            sys.exit(3)
        time.sleep(120)
        """
    )
    return [sys.executable, "-c", code, str(marker)]


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONAI_DATA_DIR", str(tmp_path))
    runner = Runner()
    runner.BACKOFF_START_SECONDS = 0.2
    runner.POLL_SECONDS = 0.05
    yield runner
    runner.stopping = True
    runner.stop()


def supervise_in_background(runner: Runner) -> tuple[threading.Thread, list[int]]:
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(runner.supervise()), daemon=True)
    thread.start()
    return thread, result


def alive(child) -> bool:
    return child.process is not None and child.process.poll() is None


def test_a_child_that_dies_is_restarted_and_the_others_keep_running(runner, tmp_path, capsys):
    steady = runner.spawn("steady", SLEEPER)
    flaky = runner.spawn("flaky", crashes_once(tmp_path / "crashed"))
    steady_pid, first_flaky = steady.process.pid, flaky.process

    thread, result = supervise_in_background(runner)
    wait_until(lambda: flaky.process is not first_flaky and alive(flaky), timeout=15, message="not restarted")
    runner.stopping = True
    thread.join(timeout=5)

    assert result == [0]
    assert first_flaky.returncode == 3
    assert alive(steady) and steady.process.pid == steady_pid
    output = capsys.readouterr().out
    assert "flaky exited with code 3; restarting it in 0.2s (crash 1 of 5 allowed within 60s)" in output
    assert f"flaky restarted (pid {flaky.process.pid})" in output
    assert "steady" not in output


def test_restarts_back_off_doubling_up_to_a_cap(runner):
    runner.BACKOFF_START_SECONDS = 1
    runner.BACKOFF_MAX_SECONDS = 4
    runner.MAX_CRASHES = 10
    runner.CRASH_WINDOW_SECONDS = 1000
    child = runner.spawn("flaky", ALWAYS_CRASHES)
    delays = []
    now = 0.0
    for _ in range(5):
        child.process.wait(timeout=10)
        assert runner.check_children(now)
        delays.append(child.restart_at - now)
        now = child.restart_at
        runner.check_children(now)  # starts it again

    assert delays == [1, 2, 4, 4, 4]


def test_a_child_that_keeps_crashing_stops_everything(runner, capsys):
    runner.BACKOFF_START_SECONDS = 0.05
    steady = runner.spawn("steady", SLEEPER)
    runner.spawn("broken", ALWAYS_CRASHES)

    thread, result = supervise_in_background(runner)
    thread.join(timeout=20)
    runner.stop()

    assert result == [1]
    assert steady.process.poll() is not None  # stopped along with the rest
    output = capsys.readouterr().out
    assert output.count("broken exited with code 1; restarting it") == 4
    assert "broken exited with code 1, its 5th crash within 60s; stopping everything." in output


def test_crashes_spread_over_more_than_the_window_never_stop_the_product(runner):
    runner.CRASH_WINDOW_SECONDS = 10
    child = runner.spawn("flaky", ALWAYS_CRASHES)
    now = 0.0
    for _ in range(12):  # one crash every 3 s: never 5 within 10 s
        child.process.wait(timeout=10)
        assert runner.check_children(now)
        now += 3
        runner.check_children(max(now, child.restart_at))


def test_sigterm_stops_the_runner_and_its_children(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        from personai.runner import Runner
        runner = Runner()
        runner.install_signal_handlers()
        child = runner.spawn("steady", {SLEEPER!r})
        print("child", child.process.pid, flush=True)
        code = runner.supervise()
        runner.stop()
        sys.exit(code)
        """
    )
    env = subprocess_env(PERSONAI_DATA_DIR=str(tmp_path), DEBUG="true")
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        first_line = process.stdout.readline().split()
        assert first_line[0] == "child", first_line
        child_pid = int(first_line[1])

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    output = process.stdout.read()
    assert "Stopping steady" in output
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)

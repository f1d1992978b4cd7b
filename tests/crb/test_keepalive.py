"""`crb.keepalive`: a service that dies is started again after a growing pause; SIGTERM stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from crb.keepalive import FIRST_PAUSE_S, LONGEST_PAUSE_S, pauses

ROOT = Path(__file__).parents[2]


def test_the_pauses_double_up_to_the_longest() -> None:
    assert pauses() == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    assert pauses()[0] == FIRST_PAUSE_S and pauses()[-1] == LONGEST_PAUSE_S


def wait_for(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def gone(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" in status.read_text()


def test_a_service_that_dies_is_started_again_and_sigterm_stops_both(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    env = {**os.environ, "FLAKY_LOG": str(starts), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "crb.keepalive", "tests.fakes.flaky_service"]
    with subprocess.Popen(argv, env=env, cwd=ROOT, stderr=subprocess.PIPE) as supervisor:
        try:
            wait_for(lambda: starts.exists() and len(starts.read_text().split()) == 3, timeout_s=15)  # 1 s, 2 s
            running = int(starts.read_text().split()[-1])
            time.sleep(0.3)
            assert supervisor.poll() is None  # the third start stays up
            supervisor.send_signal(signal.SIGTERM)
            assert supervisor.wait(timeout=10) == 0  # the service's own exit code, on its way out
            wait_for(lambda: gone(running), 5)
        finally:
            if supervisor.poll() is None:
                supervisor.kill()
        assert supervisor.stderr is not None
        log = supervisor.stderr.read().decode()
    assert log.count("exited with 3") == 2 and "starting it again in 1 s" in log and "in 2 s" in log

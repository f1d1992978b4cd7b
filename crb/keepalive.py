"""`python -m crb.keepalive <module>`: runs `python -m <module>` and starts it again when it dies, with a growing
pause (1 s, 2 s, 4 s ... 30 s; back to 1 s after a run of a minute). `crb up` runs each service through it, so a
service that stops (the worker when Redis blinks, say) comes back instead of taking the others down with it.
SIGTERM or SIGINT stops the service and this supervisor.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from types import FrameType

from crb import logs

log = logging.getLogger("crb.keepalive")

FIRST_PAUSE_S, LONGEST_PAUSE_S = 1.0, 30.0
HEALTHY_AFTER_S = 60.0  # a run this long counts as healthy: the next pause starts small again


def pauses() -> list[float]:
    """The pauses before each start again, doubling up to the longest."""
    out, pause = [], FIRST_PAUSE_S
    while pause < LONGEST_PAUSE_S:
        out.append(pause)
        pause *= 2
    return [*out, LONGEST_PAUSE_S]


def keep(argv: list[str], *, healthy_after_s: float = HEALTHY_AFTER_S, max_starts: int | None = None) -> int:
    """Run `argv` until told to stop; start it again each time it exits. The last exit code."""
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    schedule, starts, code = pauses(), 0, 0
    while not stopping and (max_starts is None or starts < max_starts):
        started = time.monotonic()
        child = subprocess.Popen(argv)
        starts += 1
        code = child.wait()
        if stopping:
            break
        ran = time.monotonic() - started
        if ran >= healthy_after_s:
            schedule = pauses()
        pause = schedule.pop(0) if len(schedule) > 1 else schedule[0]
        log.error("%s exited with %s after %.0f s; starting it again in %.0f s", " ".join(argv), code, ran, pause)
        deadline = time.monotonic() + pause
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
    return code


def main() -> None:
    logs.configure(f"keepalive:{sys.argv[1] if len(sys.argv) == 2 else '?'}")
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m crb.keepalive <module>   (e.g. jobs)")
    sys.exit(keep([sys.executable, "-m", sys.argv[1]]))


if __name__ == "__main__":
    main()

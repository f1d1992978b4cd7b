"""A stand-in service for `crb.keepalive`'s test: it notes each start in $FLAKY_LOG, dies on its first two
starts, and then runs until it is told to stop."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

log = Path(os.environ["FLAKY_LOG"])
with log.open("a") as f:
    f.write(f"{os.getpid()}\n")
if len(log.read_text().split()) <= 2:
    sys.exit(3)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(0.1)

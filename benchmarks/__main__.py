"""`make bench`: runs every benchmark module in turn and prints its figures (tests never assert on timings)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import traceback

# Each module has `async def run(quick: bool) -> None`; add a line here for a new one.
MODULES = ("benchmarks.renderer", "benchmarks.webhooks", "benchmarks.burst", "benchmarks.recovery")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs, for everyday use")
    parser.add_argument("only", nargs="*", metavar="NAME", help="run only these modules, e.g. renderer")
    args = parser.parse_args()
    failed = []
    for name in MODULES:
        if args.only and name.rpartition(".")[2] not in args.only:
            continue
        print(f"== {name}{' (quick)' if args.quick else ''} ==", flush=True)
        try:
            asyncio.run(importlib.import_module(name).run(args.quick))
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(flush=True)
    if failed:
        raise SystemExit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()

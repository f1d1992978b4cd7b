"""Remake `examples/reports/*.json` from `examples/answers/*.json` (and, with --pdf DIR, their PDFs and page PNGs).

Run after a change to the engine or the knowledge base: `.venv/bin/python examples/regenerate.py`.
Every report must pass the consistency check; the script stops at the first that does not.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from crb import analysis
from crb.quiz import load_quiz, validate_answers
from crb.report import ReportData
from crb.settings import SiteSettings

HERE = Path(__file__).resolve().parent
GENERATED_ON = dt.date(2026, 12, 3)
# Each example and the edition it is stored in: both editions appear, and every size from one person to 250.
EDITIONS = {
    "bookkeeper-solo": "report",
    "marketing-agency": "report",
    "dental-clinic": "report",
    "youth-charity": "report",
    "heating-installer": "report",
    "ecommerce-shop": "report",
    "professional-services": "report_call",
    "logistics-firm": "report_call",
}


def report_for(name: str, settings: SiteSettings) -> ReportData:
    answers = json.loads((HERE / "answers" / f"{name}.json").read_text(encoding="utf-8"))
    tier = settings.tier(EDITIONS[name])
    assert tier is not None
    clean = validate_answers(load_quiz(), answers, complete=True)
    report = analysis.analyse(clean, tier=tier.id, tier_name=tier.name, today=GENERATED_ON)
    analysis.check(report)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pdf", type=Path, help="also render each PDF here, with its pages as PNG at 60 dpi")
    args = parser.parse_args()
    settings = SiteSettings.from_env()
    for name in EDITIONS:
        report = report_for(name, settings)
        (HERE / "reports" / f"{name}.json").write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
        print(f"{name}: {report.verdict.label}, {len(report.recommendations)} recommendations", file=sys.stderr)
        if args.pdf:
            from renderer.pdf import render_report_pdf

            args.pdf.mkdir(parents=True, exist_ok=True)
            pdf = args.pdf / f"{name}.pdf"
            pdf.write_bytes(asyncio.run(render_report_pdf(report, settings)))
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(args.pdf / name)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

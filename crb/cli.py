"""The `crb` command line: init, quiz, analyse, report, report-schema, migrate, doctor, and `up` (every service on
local defaults). Each command reads only the settings it needs: the offline ones need no secret key."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from crb.quiz import InvalidAnswers, load_quiz, validate_answers
from crb.rendering import report_for
from crb.report import ReportData, report_json_schema
from crb.settings import ConfigError, Settings, SiteSettings, init_secret_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crb", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create DATA_DIR/secret.key, the key every local service reads (kept if there)")
    quiz = commands.add_parser("quiz", help="print the quiz definition")
    quiz.add_argument("--json", action="store_true", help="as JSON (the GET /api/quiz shape)")
    for name, text in (("analyse", "print the report data as JSON"), ("report", "render the report PDF")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("answers", type=Path, help="a JSON file holding the answers object (question id -> value)")
        sub.add_argument("--tier", default="report")
        if name == "report":
            sub.add_argument("-o", "--output", type=Path, required=True)
    commands.add_parser("report-schema", help="print the report data's JSON Schema (the renderer's input contract)")
    commands.add_parser("migrate", help="apply supabase/migrations/ to DATABASE_URL (or the embedded Postgres)")
    commands.add_parser("up", help="run Postgres, Redis, edge, renderer and worker together (make run)")
    commands.add_parser("doctor", help="check the configuration against the real services and say what is wrong")
    args = parser.parse_args(argv)
    try:
        return int(_COMMANDS[args.command](args))
    except (ConfigError, InvalidAnswers, ValueError, OSError) as e:
        print(f"crb {args.command}: {e}", file=sys.stderr)
        return 2


def _init(args: argparse.Namespace) -> int:
    key = init_secret_key()
    if key is None:
        print("SECRET_KEY is set: every service uses it, and needs no DATA_DIR/secret.key")
    else:
        print(f"{'created' if key.created else 'kept'} the local secret key {key.path} (mode 0600)")
    return 0


def _quiz(args: argparse.Namespace) -> int:
    settings = SiteSettings.from_env()
    quiz = load_quiz().model_dump(mode="json", exclude_none=True)
    quiz["tiers"] = [{"id": t.id, "name": t.name, "amount": t.amount, "currency": t.currency} for t in settings.tiers]
    if args.json:
        print(json.dumps(quiz, indent=2))
    else:
        for section in quiz["sections"]:
            print(section["title"])
            for q in section["questions"]:
                required = "" if q["required"] else " (optional)"
                print(f"  {q['id']:<24} {q['type']:<7} {q['text']}{required}")
    return 0


def _report_data(settings: SiteSettings, args: argparse.Namespace) -> ReportData:
    raw: Any = json.loads(args.answers.read_text(encoding="utf-8"))
    if isinstance(raw, dict) and isinstance(raw.get("answers"), dict):
        raw = raw["answers"]
    if not isinstance(raw, dict):
        raise ValueError(f"{args.answers}: expected a JSON object of answers")
    tier = settings.tier(args.tier)
    if tier is None:
        raise ValueError(f"unknown tier {args.tier!r}; choose one of {[t.id for t in settings.tiers]}")
    return report_for(validate_answers(load_quiz(), raw, complete=True), tier, dt.date.today(), settings)


def _analyse(args: argparse.Namespace) -> int:
    print(_report_data(SiteSettings.from_env(), args).model_dump_json(indent=2))
    return 0


def _report_schema(args: argparse.Namespace) -> int:
    print(json.dumps(report_json_schema(), indent=2))
    return 0


def _report(args: argparse.Namespace) -> int:
    from renderer.pdf import render_report_pdf  # the CLI is an entry point: it may use the renderer in-process

    settings = SiteSettings.from_env()
    pdf = asyncio.run(render_report_pdf(_report_data(settings, args), settings))
    args.output.write_bytes(pdf)
    print(f"wrote {args.output} ({len(pdf):,} bytes)")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from crb import embedded
    from crb.migrate import migrate

    settings = Settings.from_env()
    applied = asyncio.run(migrate(settings.database_url or embedded.postgres_url(settings.data_dir)))
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
    return 0


def _up(args: argparse.Namespace) -> int:
    from crb.devserver import run_all

    key = init_secret_key()  # before anything starts: every service reads the one key file
    if key is not None and key.created:
        print(f"created the local secret key {key.path}", flush=True)
    return run_all(Settings.from_env(), dict(os.environ))


def _doctor(args: argparse.Namespace) -> int:
    from crb.doctor import run_checks

    findings = asyncio.run(run_checks(Settings.from_env()))
    for finding in findings:
        print(finding.line())
    failing = [f for f in findings if not f.ok]
    print(f"{len(failing)} problem(s) found" if failing else "all good")
    return 1 if failing else 0


_COMMANDS = {
    "init": _init,
    "quiz": _quiz,
    "analyse": _analyse,
    "report": _report,
    "report-schema": _report_schema,
    "migrate": _migrate,
    "up": _up,
    "doctor": _doctor,
}

if __name__ == "__main__":
    sys.exit(main())

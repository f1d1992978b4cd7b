"""Builds the static site into site/dist/ from its Jinja templates, the quiz definition and the configuration.

    python site/build.py [--api-base URL] [--out DIR] [--sample-pdf FILE | --no-sample]

Every page is plain HTML with one stylesheet and one script, both named by their content hash so a CDN may
cache them for ever. The quiz page is generated from the quiz definition (`crb.quiz.load_quiz()`); prices come
from `TIERS`; the privacy page's retention periods from `crb.schedule`. The API base is a build-time setting
(`--api-base` or `SITE_API_BASE`), empty for the same origin. The build prints the quiz page's weight and fails
when it is over budget.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
sys.path.insert(0, str(REPO))  # run as a script from anywhere: `python site/build.py`
sys.path.insert(0, str(ROOT))

from sample_report import SAMPLE_ANSWERS, SampleReport, make_sample  # noqa: E402

from crb import lifecycle, schedule  # noqa: E402
from crb.assessment.assumptions import CALL_MINUTES  # noqa: E402
from crb.pricing import VatTreatment, money  # noqa: E402
from crb.quiz import Quiz, load_quiz  # noqa: E402
from crb.settings import SiteSettings, Tier  # noqa: E402

PAGES = (
    "index.html",
    "quiz.html",
    "results.html",
    "success.html",
    "cancel.html",
    "unsubscribe.html",
    "privacy.html",
    "terms.html",
    "imprint.html",
    "404.html",
)
ASSETS = ("site.css", "app.js")
QUIZ_PAGE_BUDGET = 60 * 1024  # bytes, HTML + CSS + JS, uncompressed
FINDINGS_PER_TIER_FALLBACK = {"report": 10, "report_call": 15}


@dataclass(frozen=True)
class PageWeight:
    page: str
    parts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.parts.values())

    def __str__(self) -> str:
        parts = " + ".join(f"{name} {size:,}" for name, size in self.parts.items())
        verdict = "within" if self.total <= QUIZ_PAGE_BUDGET else "OVER"
        return f"{self.page}: {parts} = {self.total:,} bytes ({verdict} the {QUIZ_PAGE_BUDGET:,}-byte budget)"


@dataclass(frozen=True)
class Built:
    out: Path
    pages: list[Path]
    weight: PageWeight
    sample: SampleReport | None = None
    assets: dict[str, str] = field(default_factory=dict)


class BuildError(ValueError):
    """The site cannot be built as asked (a bad setting, or the quiz page over its budget)."""


def build(
    out: Path = ROOT / "dist",
    *,
    api_base: str = "",
    settings: SiteSettings | None = None,
    quiz: Quiz | None = None,
    sample_pdf: Path | None = None,
    with_sample: bool = True,
) -> Built:
    """Write every page, the hashed assets and the sample report's PDF and previews into `out`."""
    settings = settings or SiteSettings.from_env()  # no secret key: `make site` runs before `crb up`
    quiz = quiz or load_quiz()
    api_base = check_api_base(api_base)
    out.mkdir(parents=True, exist_ok=True)
    assets = _write_assets(out)
    sample = make_sample(out / "samples", settings, sample_pdf) if with_sample else None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    context = _context(settings, quiz, api_base, assets, sample)
    written = []
    for page in PAGES:
        html = env.get_template(page).render(context, page=page, root="/" if page == "404.html" else "")
        target = out / page
        target.write_text(_squeeze(html), encoding="utf-8")
        written.append(target)
    weight = page_weight(out, "quiz.html")
    if weight.total > QUIZ_PAGE_BUDGET:
        raise BuildError(str(weight))
    return Built(out, written, weight, sample, assets)


def check_api_base(api_base: str) -> str:
    """'' (the same origin) or an http(s) origin with an optional path, without a trailing slash."""
    api_base = api_base.strip().rstrip("/")
    if api_base:
        parts = urlsplit(api_base)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise BuildError(f"SITE_API_BASE={api_base!r} is not an http(s) URL: set it like https://api.example.com")
    return api_base


def page_weight(out: Path, page: str) -> PageWeight:
    """A page's own bytes plus the stylesheets and scripts it links (images are not part of the budget)."""
    html = (out / page).read_text(encoding="utf-8")
    parts = {"HTML": len(html.encode())}
    for _attribute, ref in re.findall(r'<(?:link rel="stylesheet"|script)[^>]*?(href|src)="([^"]+)"', html):
        name = "CSS" if ref.endswith(".css") else "JS"
        parts[name] = parts.get(name, 0) + (out / ref.lstrip("/")).stat().st_size
    return PageWeight(page, parts)


def _write_assets(out: Path) -> dict[str, str]:
    """Copy the stylesheet and script as `assets/<name>.<hash>.<ext>`; return name → relative URL."""
    target = out / "assets"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    urls = {}
    for name in ASSETS:
        data = squeeze_asset(name, (ROOT / "static" / name).read_text(encoding="utf-8")).encode()
        stem, ext = name.rsplit(".", 1)
        hashed = f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}.{ext}"
        (target / hashed).write_bytes(data)
        urls[name] = f"assets/{hashed}"
    return urls


def squeeze_asset(name: str, text: str) -> str:
    """Drop comments, indentation and blank lines: a conservative, line-based squeeze that keeps code as it is.

    Only whole-line comments go (`// …`, and `/* … */` blocks that open a line), so nothing inside a string
    is ever touched; the sources keep their comments and layout.
    """
    lines, in_block = [], False
    for raw in text.splitlines():
        line = raw.strip()
        if in_block or line.startswith("/*"):
            in_block = "*/" not in line
            rest = line.split("*/", 1)[1].strip() if not in_block else ""
            if rest:
                lines.append(rest)
            continue
        if not line or (name.endswith(".js") and line.startswith("//")):
            continue
        if name.endswith(".css"):  # the stylesheet has no strings with these characters next to a space
            line = re.sub(r"\s*([{};,>])\s*", r"\1", line).replace(": ", ":")
        lines.append(line)
    return "\n".join(lines) + "\n"


def _context(
    settings: SiteSettings, quiz: Quiz, api_base: str, assets: dict[str, str], sample: SampleReport | None
) -> dict[str, Any]:
    questions = [q for s in quiz.sections for q in s.questions]
    vat = VatTreatment.of(settings)
    return {
        "quiz": quiz,
        "question_count": len(questions),
        "minutes": max(3, round(len(questions) * 0.25)),
        "tiers": [tier_view(t, vat) for t in settings.tiers],
        "vat": vat,
        "seller": settings.seller,
        "call_booking_url": settings.call_booking_url,
        "api_base": api_base,
        "paid_states": " ".join(lifecycle.PAID),  # the script's copy, from the one definition
        "connect_src": " ".join(filter(None, ["'self'", _origin(api_base)])),
        "assets": assets,
        "sample": sample,
        "retention": {
            "report_pdf_days": schedule.REPORT_PDF_DAYS,
            "unpaid_session_days": schedule.UNPAID_SESSION_DAYS,
            "awaiting_payment_days": schedule.AWAITING_PAYMENT_DAYS,
            "follow_up_after_days": schedule.FOLLOW_UP_AFTER_DAYS,
            "checkout_expiry_minutes": settings.checkout_expiry_minutes,
            "recovery_link_days": schedule.RECOVERY_LINK_DAYS if settings.checkout_recovery else None,
        },
        "pillar_names": _pillar_names(),
    }


DEFAULT_VAT = VatTreatment.of(SiteSettings())


def tier_view(tier: Tier, vat: VatTreatment = DEFAULT_VAT) -> dict[str, Any]:
    price = money(tier.amount, tier.currency, whole=True)
    view = {"id": tier.id, "name": tier.name, "price": price, "vat": vat.label, "findings": _findings_for(tier.id)}
    return view | {"call_minutes": CALL_MINUTES.get(tier.id)}  # the edition's strategy call, if it has one


def _findings_for(tier_id: str) -> int | None:
    try:  # the assessment engine's own table when it has one
        from crb.assessment.assumptions import FINDINGS_PER_TIER

        return int(FINDINGS_PER_TIER[tier_id])
    except (ImportError, KeyError, AttributeError, TypeError, ValueError):
        return FINDINGS_PER_TIER_FALLBACK.get(tier_id)


def _pillar_names() -> list[str]:
    """The readiness pillars, named as the assessment names them (from the sample business's teaser)."""
    try:
        from crb import analysis
        from crb.quiz import validate_answers

        answers = json.loads(SAMPLE_ANSWERS.read_text(encoding="utf-8"))
        teaser = analysis.teaser(validate_answers(load_quiz(), answers, complete=True))
        return [p.name for p in teaser.pillars]
    except Exception:  # the assessment is another team's moving part: the page words it generically then
        return []


def _origin(url: str) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _squeeze(html: str) -> str:
    """Drop the blank lines and indentation the templates leave; the markup itself is unchanged."""
    return "\n".join(line.strip() for line in html.splitlines() if line.strip()) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the static site into site/dist/.")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--api-base", default=_env("SITE_API_BASE"), help="the edge's URL; empty: same origin")
    parser.add_argument("--sample-pdf", type=Path, help="use this PDF as the sample report instead of rendering")
    parser.add_argument("--no-sample", action="store_true", help="skip the sample report and its previews")
    args = parser.parse_args(argv)
    try:
        try:
            built = build(args.out, api_base=args.api_base, sample_pdf=args.sample_pdf, with_sample=not args.no_sample)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:  # the sample report could not be made
            print(f"site build: WARNING: no sample report on the landing page: {e}", file=sys.stderr)
            built = build(args.out, api_base=args.api_base, with_sample=False)
    except BuildError as e:
        print(f"site build: {e}", file=sys.stderr)
        return 1
    for path in built.pages:
        print(f"  {_shown(path)}  {path.stat().st_size:,} bytes")
    if built.sample:
        print(
            f"  sample report: {_shown(built.sample.pdf)} ({built.sample.source}), {len(built.sample.pages)} previews"
        )
    print(f"API base: {built_api(args.api_base)}")
    print(f"page weight, {built.weight}")
    return 0


def built_api(api_base: str) -> str:
    return api_base.strip().rstrip("/") or "same origin"


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def _env(name: str) -> str:
    """A build setting from the environment, or from `.env` like the services' settings."""
    if name in os.environ:
        return os.environ[name]
    from dotenv import dotenv_values

    return dotenv_values(REPO / ".env").get(name) or ""


if __name__ == "__main__":
    sys.exit(main())

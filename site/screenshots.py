"""Screenshots of the site for the README: the quiz, the teaser and a report page, in docs/screenshots/.

    python site/screenshots.py [--dist site/dist] [--out docs/screenshots]

Builds the site if needed and opens it in Chromium with the API answered in-process: the teaser is the real
one the assessment computes for the example business, so no server, database or network is needed.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(ROOT))

from build import build  # noqa: E402
from playwright.sync_api import Page, Route, ViewportSize, sync_playwright  # noqa: E402
from sample_report import CHROMIUM_ARGS, SAMPLE_ANSWERS  # noqa: E402

from crb import analysis  # noqa: E402
from crb.quiz import load_quiz, validate_answers  # noqa: E402
from crb.settings import SiteSettings  # noqa: E402

ORIGIN = "http://crb.localhost"
SESSION = {"id": "00000000-0000-4000-8000-000000000001", "token": "screenshot"}
DESKTOP: ViewportSize = {"width": 1200, "height": 860}
PHONE: ViewportSize = {"width": 390, "height": 844}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args(argv)
    if not (args.dist / "quiz.html").exists():
        build(args.dist)
    args.out.mkdir(parents=True, exist_ok=True)
    answers = validate_answers(load_quiz(), json.loads(SAMPLE_ANSWERS.read_text(encoding="utf-8")), complete=True)
    teaser = analysis.teaser(answers).model_dump(mode="json")
    settings = SiteSettings.from_env()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=settings.chromium_path, args=CHROMIUM_ARGS)
        shots = [
            ("quiz.png", DESKTOP, "quiz.html", _in_progress(answers, 7)),
            ("quiz-phone.png", PHONE, "quiz.html", _in_progress(answers, 11)),
            ("teaser.png", DESKTOP, "results.html", {"status": "completed", "teaser": teaser}),
        ]
        for name, viewport, page_name, state in shots:
            page = browser.new_page(viewport=viewport, device_scale_factor=1)
            _serve(page, args.dist, {"id": SESSION["id"], "answers": {}, "checkout": {"last_event": None}, **state})
            page.goto(f"{ORIGIN}/404.html")
            page.evaluate("s => localStorage.setItem('crb.session', JSON.stringify(s))", _stored(state))
            page.goto(f"{ORIGIN}/{page_name}")
            page.wait_for_selector("#gauge-score:not(:empty)" if page_name == "results.html" else ".q:not([hidden])")
            page.wait_for_timeout(700)  # let the gauge and bars finish their transitions
            full = page_name == "results.html"
            page.screenshot(path=str(args.out / name), full_page=full)
            _shrink(args.out / name)
            print(f"wrote {args.out / name}")
            page.close()
        browser.close()
    _report_page(args.dist, args.out / "report-page.png")
    return 0


def _in_progress(answers: dict[str, Any], done: int) -> dict[str, Any]:
    ids = [q.id for s in load_quiz().sections for q in s.questions][:done]
    return {"status": "in_progress", "answers": {k: answers[k] for k in ids if k in answers}, "at": done}


def _stored(state: dict[str, Any]) -> dict[str, Any]:
    return {**SESSION, **({"at": state["at"]} if "at" in state else {})}


def _serve(page: Page, dist: Path, state: dict[str, Any]) -> None:
    """Site files from `dist`; the session API answered with `state`; nothing else reachable."""
    body = {k: v for k, v in state.items() if k != "at"}

    def handle(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path.startswith("/api/sessions/"):
            route.fulfill(status=200, content_type="application/json", body=json.dumps(body))
            return
        file = (dist / (path.lstrip("/") or "index.html")).resolve()
        if not file.is_relative_to(dist.resolve()) or not file.is_file():
            route.fulfill(status=404, path=str(dist / "404.html"))
            return
        route.fulfill(status=200, path=str(file), content_type=mimetypes.guess_type(file.name)[0] or "text/plain")

    page.route(f"{ORIGIN}/**", handle)


def _report_page(dist: Path, target: Path) -> None:
    """The executive summary page of the sample report, sharper than the landing page's preview."""
    manifest = json.loads((dist / "samples" / "manifest.json").read_text())
    chosen = next((p for p in manifest["pages"] if p["caption"] == "Executive summary"), manifest["pages"][0])
    pdf = dist / "samples" / "sample-report.pdf"
    if shutil.which("pdftoppm") and chosen.get("page"):
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "page"
            page = str(chosen["page"])
            command = ["pdftoppm", "-png", "-singlefile", "-f", page, "-l", page, "-scale-to-x", "900"]
            subprocess.run([*command, "-scale-to-y", "-1", str(pdf), str(prefix)], check=True)
            shutil.copyfile(prefix.with_suffix(".png"), target)
    else:
        shutil.copyfile(dist / chosen["file"], target)
    _shrink(target)
    print(f"wrote {target}")


def _shrink(path: Path) -> None:
    """A 128-colour palette: the same picture at a third of the bytes in the repository."""
    from PIL import Image

    with Image.open(path) as image:
        picture = image.convert("RGB")
    picture.quantize(colors=128).save(path, optimize=True)


if __name__ == "__main__":
    sys.exit(main())

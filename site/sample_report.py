"""The landing page's sample report: a real PDF for an example business, and preview images of some pages.

The PDF comes from `crb report` (rendered in-process with Chromium) unless one is given. Previews are made
with poppler's `pdftoppm` where it is installed, else with pypdfium2 where that is importable, else by
screenshotting the report's HTML in Chromium (in a subprocess), one section per image. A stamp of every
input lets a second build reuse what the first one rendered.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from crb.settings import SiteSettings
from renderer.browser import CHROMIUM_ARGS

REPO = Path(__file__).resolve().parent.parent
SAMPLE_ANSWERS = REPO / "examples" / "answers" / "marketing-agency.json"
PDF_NAME = "sample-report.pdf"
PREVIEW_WIDTH = 480  # pixels: twice the width the landing page shows them at
# The pages worth a preview: the cover, then the first page of each of these sections.
PREVIEW_SECTIONS = ("Executive summary", "Recommendations", "Roadmap")
A4_PX = (794, 1123)  # CSS pixels at 96 dpi


@dataclass(frozen=True)
class Preview:
    file: str  # relative to the site root
    caption: str
    page: int | None  # the PDF page it shows, when known
    width: int = PREVIEW_WIDTH
    height: int = round(PREVIEW_WIDTH * 297 / 210)


@dataclass(frozen=True)
class SampleReport:
    pdf: Path
    url: str  # relative to the site root
    size_kb: int
    company: str
    page_count: int
    pages: tuple[Preview, ...]
    source: str  # how the previews were made


def make_sample(
    out: Path, settings: SiteSettings, pdf: Path | None = None, answers: Path = SAMPLE_ANSWERS
) -> SampleReport:
    """The sample PDF and its previews in `out` (the site's `samples/` folder), reused when nothing changed."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / PDF_NAME
    tier = "report" if settings.tier("report") else settings.tiers[0].id
    stamp = _stamp(answers, tier, pdf)
    manifest = out / "manifest.json"
    if manifest.exists() and target.exists():
        cached = json.loads(manifest.read_text())
        if cached.get("stamp") == stamp and all((out.parent / p["file"]).exists() for p in cached["pages"]):
            return _sample(out, target, cached)
    for old in out.glob("page-*.png"):
        old.unlink()
    if pdf is not None:
        shutil.copyfile(pdf, target)
    else:
        _render(answers, tier, target)
    pages, source = _previews(target, out, answers, tier, settings.chromium_path)
    company = str(json.loads(answers.read_text(encoding="utf-8")).get("company_name", "an example business"))
    data = {
        "stamp": stamp,
        "company": company,
        "page_count": _page_count(target),
        "source": source,
        "pages": [p.__dict__ for p in pages],
    }
    manifest.write_text(json.dumps(data, indent=2))
    return _sample(out, target, data)


def _sample(out: Path, pdf: Path, data: dict[str, object]) -> SampleReport:
    pages = tuple(Preview(**p) for p in data["pages"])  # type: ignore[attr-defined]
    return SampleReport(
        pdf=pdf,
        url=f"{out.name}/{pdf.name}",
        size_kb=max(1, round(pdf.stat().st_size / 1024)),
        company=str(data["company"]),
        page_count=int(data["page_count"]),  # type: ignore[call-overload]
        pages=pages,
        source=str(data["source"]),
    )


def _stamp(answers: Path, tier: str, pdf: Path | None) -> str:
    """A hash of everything the sample depends on: the answers, the tier, and the report's code and data."""
    digest = hashlib.sha256(f"{tier}\n".encode())
    digest.update(answers.read_bytes())
    if pdf is not None:
        digest.update(pdf.read_bytes())
    else:
        for folder in ("crb", "renderer"):
            for path in sorted((REPO / folder).rglob("*")):
                if path.suffix in (".py", ".json", ".html", ".css") and "__pycache__" not in path.parts:
                    digest.update(str(path.relative_to(REPO)).encode())
                    digest.update(path.read_bytes())
    digest.update(str(shutil.which("pdftoppm") is not None).encode())
    return digest.hexdigest()


def _render(answers: Path, tier: str, target: Path) -> None:
    command = [sys.executable, "-m", "crb.cli", "report", str(answers), "-o", str(target), "--tier", tier]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`crb report` failed for the sample report: {done.stderr.strip() or done.stdout}")


def _page_texts(pdf: Path) -> list[str]:
    try:
        import pypdf
    except ImportError:  # the dev extra is missing: previews of the first pages, unnamed
        return []
    try:
        return [page.extract_text() or "" for page in pypdf.PdfReader(str(pdf)).pages]
    except pypdf.errors.PyPdfError:  # not a PDF pypdf can read: previews of the first pages, unnamed
        return []


def _page_count(pdf: Path) -> int:
    texts = _page_texts(pdf)
    if texts:
        return len(texts)
    from renderer.pdf import count_pages

    return count_pages(pdf.read_bytes())


def choose_pages(texts: list[str]) -> list[tuple[int, str]]:
    """(1-based page, caption): the cover and the first page that opens each of PREVIEW_SECTIONS."""
    chosen = [(1, "Cover")]
    for heading in PREVIEW_SECTIONS:
        for number, text in enumerate(texts, start=1):
            if any(line.strip() == heading for line in text.splitlines()) and number not in dict(chosen):
                chosen.append((number, heading))
                break
    if len(chosen) == 1:  # no headings found: the first pages as they come
        chosen += [(n, f"Page {n}") for n in range(2, min(len(texts), 4) + 1)]
    return chosen


def _previews(pdf: Path, out: Path, answers: Path, tier: str, chromium: str | None) -> tuple[list[Preview], str]:
    wanted = choose_pages(_page_texts(pdf)) or [(n, f"Page {n}") for n in range(1, 5)]
    if shutil.which("pdftoppm"):
        return [_poppler(pdf, out, n, caption) for n, caption in wanted], "pdftoppm"
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        return _chromium_in_subprocess(answers, tier, out, chromium), "Chromium screenshots of the report HTML"
    return [_pdfium(pdf, out, n, caption) for n, caption in wanted], "pypdfium2"


def _poppler(pdf: Path, out: Path, number: int, caption: str) -> Preview:
    prefix = out / f"page-{number:02d}"
    command = ["pdftoppm", "-png", "-singlefile", "-f", str(number), "-l", str(number)]
    subprocess.run(
        [*command, "-scale-to-x", str(PREVIEW_WIDTH), "-scale-to-y", "-1", str(pdf), str(prefix)], check=True
    )
    return _finish(prefix.with_suffix(".png"), out, caption, number)


def _pdfium(pdf: Path, out: Path, number: int, caption: str) -> Preview:
    import pypdfium2

    page = pypdfium2.PdfDocument(str(pdf))[number - 1]
    image = page.render(scale=PREVIEW_WIDTH / page.get_width()).to_pil()
    path = out / f"page-{number:02d}.png"
    image.save(path)
    return _finish(path, out, caption, number)


def _chromium_in_subprocess(answers: Path, tier: str, out: Path, chromium: str | None) -> list[Preview]:
    """`_chromium` in a process of its own, with a deadline: Playwright's sync API keeps out of the caller's
    threads and event loop (the build also runs inside the asyncio test suite)."""
    command = [sys.executable, __file__, "chromium-previews", str(answers), tier, str(out), chromium or ""]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"previews in Chromium failed: {done.stderr.strip()[-2000:]}")
    return [Preview(**p) for p in json.loads(done.stdout)]


def _chromium(answers: Path, tier: str, out: Path, chromium: str | None) -> list[Preview]:
    """Without a PDF rasteriser: the report's HTML in Chromium, the cover and each section's first A4 page."""
    import datetime as dt

    from playwright.sync_api import FloatRect, sync_playwright

    from crb import analysis
    from crb.quiz import load_quiz, validate_answers
    from renderer.pdf import report_html

    raw = json.loads(answers.read_text(encoding="utf-8"))
    report = analysis.analyse(
        validate_answers(load_quiz(), raw, complete=True), tier=tier, tier_name=tier, today=dt.date.today()
    )
    previews = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": A4_PX[0], "height": A4_PX[1]}, java_script_enabled=False)
            page.emulate_media(media="print")
            margins = "<style>body { padding: 12mm 15mm !important; margin: 0 !important; }</style>"  # as on paper
            page.set_content(report_html(report).replace("</head>", margins + "</head>", 1))
            tops = [(0.0, "Cover")]
            for heading in PREVIEW_SECTIONS:
                found = page.get_by_role("heading", name=heading, exact=True)
                box = found.first.bounding_box() if found.count() else None
                if box is not None:
                    tops.append((max(0.0, box["y"] - 16), heading))
            height = page.evaluate("document.documentElement.scrollHeight")
            for index, (top, caption) in enumerate(tops, start=1):
                path = out / f"page-{index:02d}.png"
                y = min(top, max(0.0, height - A4_PX[1]))
                clip: FloatRect = {"x": 0, "y": y, "width": A4_PX[0], "height": A4_PX[1]}
                page.screenshot(path=str(path), clip=clip, full_page=True)
                previews.append(_finish(path, out, caption, None, resize=True))
        finally:
            browser.close()
    return previews


def _finish(path: Path, out: Path, caption: str, number: int | None, resize: bool = False) -> Preview:
    """Shrink the PNG to a small palette (the pages are mostly white with a few colours)."""
    try:
        from PIL import Image
    except ImportError:
        return Preview(f"{out.name}/{path.name}", caption, number)
    with Image.open(path) as image:
        picture = image.convert("RGB")
    if resize and picture.width != PREVIEW_WIDTH:
        picture = picture.resize((PREVIEW_WIDTH, round(picture.height * PREVIEW_WIDTH / picture.width)))
    picture.quantize(colors=64).save(path, optimize=True)
    return Preview(f"{out.name}/{path.name}", caption, number, picture.width, picture.height)


if __name__ == "__main__" and sys.argv[1:2] == ["chromium-previews"]:
    _, _, answers_file, tier_id, folder, executable = sys.argv
    found = _chromium(Path(answers_file), tier_id, Path(folder), executable or None)
    print(json.dumps([p.__dict__ for p in found]))

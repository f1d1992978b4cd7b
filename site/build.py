"""Builds the static site into site/dist/ from its Jinja templates and the quiz definition."""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))  # run as a script from anywhere: `python site/build.py`

from crb.quiz import load_quiz  # noqa: E402
from crb.settings import Settings  # noqa: E402

PAGES = ("index.html",)


def build(out: Path = ROOT / "dist") -> list[Path]:
    settings = Settings.from_env()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    context = {"quiz": load_quiz(), "tiers": settings.tiers}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for page in PAGES:
        target = out / page
        target.write_text(env.get_template(page).render(context), encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    for path in build():
        print(f"{path.relative_to(ROOT.parent)}  {path.stat().st_size:,} bytes")

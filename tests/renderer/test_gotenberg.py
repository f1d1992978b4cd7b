"""Gotenberg's routes driven by the real gotenberg-client against the shared renderer, its PDFs read with poppler."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from gotenberg_client import AsyncGotenbergClient, HttpStatusError, SingleFileResponse
from gotenberg_client.options import Measurement, PageMarginsType, PageOrientation, PageSize
from gotenberg_client.options import MeasurementUnitType as Unit

from tests.conftest import RENDERER_TOKEN
from tests.renderer import poppler
from tests.renderer.canary import Canary, leaky_html
from tests.renderer.service import parse_metrics

pytestmark = pytest.mark.browser

POINTS_PER_INCH = 72
LETTER = (8.5 * POINTS_PER_INCH, 11 * POINTS_PER_INCH)
ROUGHLY = 1.0  # points: Chromium rounds the paper and the margins to its own device units
FOOTER = (
    '<div style="font-size: 10px; margin: 0 1cm">'
    'Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>'
)
# Three pages, each a heading: one h1 and two h2 under it.
THREE_PAGES = "".join(
    f'<{tag} style="break-before: page">Part {i}</{tag}><p>text {i}</p>' for i, tag in ((1, "h1"), (2, "h2"), (3, "h2"))
)


def html(body: str, title: str = "Document") -> str:
    head = f"<title>{title}</title><style>body {{ margin: 0 }}</style>"
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def png(width: int, height: int) -> bytes:
    """A real PNG of grey pixels, made here rather than read from a file."""
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
async def client(renderer_url: str) -> AsyncIterator[AsyncGotenbergClient]:
    """A Gotenberg client whose base URL is the renderer's: any user name, the renderer token as the password."""
    async with AsyncGotenbergClient(renderer_url, auth=("any-service", RENDERER_TOKEN), timeout=60) as client:
        yield client


async def convert(client: AsyncGotenbergClient, index: str, **resources: str) -> bytes:
    """`index` as PDF at Gotenberg's defaults; `resources` are text files by name (`style_css` for style.css)."""
    async with client.chromium.html_to_pdf() as route:
        route.string_index(index)
        for name, content in resources.items():
            route.string_resource(content, name.replace("_", "."))
        response = await route.run()
    assert isinstance(response, SingleFileResponse) and response.status_code == 200
    return bytes(response.content)


async def refused(route: Any) -> tuple[int, dict[str, Any]]:
    """The status and error body of a request the renderer refuses, as the client raises it."""
    with pytest.raises(HttpStatusError) as caught:
        await route.run()
    body: dict[str, dict[str, Any]] = json.loads(caught.value.response.content)
    return caught.value.response.status_code, body["error"]


async def post_form(url: str, fields: dict[str, str], files: dict[str, bytes]) -> tuple[int, bytes]:
    """A form sent as curl sends it (every file under `files`), for the fields gotenberg-client has no method for."""
    form = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        form.add_field(name, value)
    for filename, body in files.items():
        form.add_field("files", body, filename=filename)
    headers = {"Authorization": f"Bearer {RENDERER_TOKEN}"}
    async with aiohttp.ClientSession() as session, session.post(url, data=form, headers=headers) as response:
        return response.status, await response.read()


async def test_gotenberg_s_defaults_letter_paper_and_0_39_in_margins(client: AsyncGotenbergClient) -> None:
    pdf = await convert(client, html("<p>Corner</p><p>Müller façade</p>"))  # UTF-8, not declared: as from a folder

    width, height = poppler.page_size(pdf)
    assert abs(width - LETTER[0]) < ROUGHLY and abs(height - LETTER[1]) < ROUGHLY
    assert poppler.texts(pdf) == ["Corner Müller façade"]
    corner = poppler.words(pdf)[0]
    assert corner.text == "Corner" and abs(corner.x_min - 0.39 * POINTS_PER_INCH) < ROUGHLY
    assert poppler.info(pdf)["Tagged"] == "no"


async def test_paper_margins_orientation_and_scale_in_units(client: AsyncGotenbergClient) -> None:
    async with client.chromium.html_to_pdf() as route:
        route.string_index(html("<p>Corner</p>"))
        route.size(PageSize(Measurement(148, Unit.Millimeters), Measurement(21, Unit.Centimeters)))  # A5
        route.margins(PageMarginsType(top=Measurement(72, Unit.Points), left=Measurement(96, Unit.Pixels)))
        route.orient(PageOrientation.Landscape)
        route.scale(2)
        pdf = (await route.run()).content
    plain = await convert(client, html("<p>Corner</p>"))

    width, height = poppler.page_size(pdf)
    assert abs(width - 210 / 25.4 * POINTS_PER_INCH) < ROUGHLY and abs(height - 148 / 25.4 * POINTS_PER_INCH) < ROUGHLY
    corner, unscaled = poppler.words(pdf)[0], poppler.words(plain)[0]
    assert abs(corner.x_min - POINTS_PER_INCH) < ROUGHLY  # 96 px is an inch
    assert corner.y_min > POINTS_PER_INCH - ROUGHLY  # 72 pt is one too
    assert abs((corner.y_max - corner.y_min) / (unscaled.y_max - unscaled.y_min) - 2) < 0.05


async def test_the_client_s_pc_unit_is_css_picas(client: AsyncGotenbergClient) -> None:
    # gotenberg-client calls "pc" per cent; Gotenberg and CSS read it as picas, six to the inch.
    async with client.chromium.html_to_pdf() as route:
        route.string_index(html("x")).size(PageSize(Measurement(51, Unit.Percent), Measurement(66, Unit.Percent)))
        pdf = (await route.run()).content

    assert all(abs(a - b) < ROUGHLY for a, b in zip(poppler.page_size(pdf), LETTER, strict=True))


async def test_a_css_page_size_wins_only_when_asked(client: AsyncGotenbergClient) -> None:
    index = html("<style>@page { size: 100mm 100mm }</style><p>square</p>")
    async with client.chromium.html_to_pdf() as route:
        route.string_index(index).prefer_css_page_size()
        square = (await route.run()).content
    letter = await convert(client, index)

    assert all(abs(side - 100 / 25.4 * POINTS_PER_INCH) < ROUGHLY for side in poppler.page_size(square))
    assert all(abs(a - b) < ROUGHLY for a, b in zip(poppler.page_size(letter), LETTER, strict=True))


async def test_uploaded_images_and_style_sheets_are_served_from_memory(
    client: AsyncGotenbergClient, tmp_path: Path
) -> None:
    (tmp_path / "logo.png").write_bytes(png(3, 2))
    (tmp_path / "shade.png").write_bytes(png(5, 5))
    (tmp_path / "style.css").write_text(  # a tiled background would be a pattern, not an image, so no-repeat
        '#note::after { content: " FROM-CSS" } #gone { display: none } '
        '.shaded { background: url("shade.png") no-repeat }'
    )
    index = html('<p id="note">note</p><p id="gone">HIDDEN</p><img src="logo.png"><div class="shaded">s</div>')
    index = index.replace("</head>", '<link rel="stylesheet" href="style.css"></head>')

    async with client.chromium.html_to_pdf() as route:
        route.string_index(index).resources([tmp_path / "logo.png", tmp_path / "shade.png", tmp_path / "style.css"])
        plain = (await route.run()).content
    async with client.chromium.html_to_pdf() as route:
        route.string_index(index).resources([tmp_path / "logo.png", tmp_path / "shade.png", tmp_path / "style.css"])
        with_backgrounds = (await route.print_background(print_background=True).run()).content

    text = poppler.texts(plain)[0]
    assert "note FROM-CSS" in text and "HIDDEN" not in text
    assert poppler.images(plain) == [(3, 2)]  # Gotenberg's default: no backgrounds
    assert sorted(poppler.images(with_backgrounds)) == [(3, 2), (5, 5)]


async def test_header_and_footer_with_page_numbers_and_page_ranges(client: AsyncGotenbergClient) -> None:
    async with client.chromium.html_to_pdf() as route:
        route.string_index(html(THREE_PAGES)).string_footer(FOOTER)
        route.string_header('<div style="font-size: 10px; margin: 0 1cm">Quarterly <span class="title"></span></div>')
        whole = (await route.run()).content
    async with client.chromium.html_to_pdf() as route:
        route.string_index(html(THREE_PAGES)).string_footer(FOOTER).page_ranges("2-3")
        some = (await route.run()).content

    pages = poppler.texts(whole)
    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert f"Part {number}" in text and f"Page {number} of 3" in text and "Quarterly Document" in text
    assert [("Part 2" in text, "Part 3" in text) for text in poppler.texts(some)] == [(True, False), (False, True)]


async def test_outline_tags_and_metadata(client: AsyncGotenbergClient, tmp_path: Path) -> None:
    created = datetime(2026, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    async with client.chromium.html_to_pdf() as route:
        route.string_index(html(THREE_PAGES, title="From the title tag"))
        route.generate_document_outline(generate_document_outline=True)
        route.metadata(title="Quarterly figures", author="Finance", subject="Q1", keywords=["q1", "figures"])
        route.metadata(creation_date=created, creator="Reporting service")
        pdf = (await route.run()).content
    async with client.chromium.html_to_pdf() as route:
        tagged_only = (await route.string_index(html(THREE_PAGES)).generate_tagged_pdf(generate=True).run()).content

    info = poppler.info(pdf)
    assert (info["Title"], info["Author"], info["Subject"], info["Keywords"]) == (
        "Quarterly figures",
        "Finance",
        "Q1",
        "q1, figures",
    )
    assert info["Creator"] == "Reporting service" and info["Producer"].startswith("Skia/PDF")  # Chromium's, kept
    assert info["CreationDate"] == "2026-03-14T09:30:00+01" and info["Tagged"] == "yes"
    assert poppler.outline(pdf, tmp_path) == ["Part 1", "Part 2", "Part 3"]
    assert "H1" in poppler.structure(pdf) and "H2" in poppler.structure(tagged_only)
    assert poppler.outline(tagged_only, tmp_path) == [] and poppler.info(tagged_only)["Title"] == "Document"


async def test_output_file_name_and_trace_come_back(client: AsyncGotenbergClient) -> None:
    async with client.chromium.html_to_pdf() as route:
        route.string_index(html("<p>named</p>")).output_filename('Quarterly "Q1" report').trace_id("trace-42")
        response = await route.run()
    async with client.chromium.html_to_pdf() as route:
        unnamed = await route.string_index(html("<p>unnamed</p>")).run()

    assert response.headers["Gotenberg-Trace"] == response.headers["X-Request-Id"] == "trace-42"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Quarterly _Q1_ report.pdf"')
    assert "filename*=UTF-8''Quarterly%20%22Q1%22%20report.pdf" in disposition
    assert unnamed.headers["Content-Disposition"].endswith(".pdf") and unnamed.headers["Gotenberg-Trace"]


async def test_pdfs_merge_in_order_with_metadata(client: AsyncGotenbergClient, tmp_path: Path) -> None:
    for name, title in (("b.pdf", "Bravo"), ("a.pdf", "Alpha")):
        async with client.chromium.html_to_pdf() as route:
            route.string_index(html(f"<h1>{title}</h1>")).generate_document_outline(generate_document_outline=True)
            (tmp_path / name).write_bytes((await route.run()).content)

    async with client.merge.merge() as route:
        route.merge([tmp_path / "b.pdf", tmp_path / "a.pdf"]).metadata(title="Both").output_filename("both")
        merged = await route.run()  # the client numbers the files: b first
    async with client.merge.merge() as route:
        route.merge([tmp_path / "a.pdf", tmp_path / "b.pdf"]).auto_index_bookmarks(enable=True)
        bookmarked = (await route.run()).content

    assert [text.split()[0] for text in poppler.texts(merged.content)] == ["Bravo", "Alpha"]
    assert merged.headers["X-Page-Count"] == "2" and poppler.info(merged.content)["Title"] == "Both"
    assert 'filename="both.pdf"' in merged.headers["Content-Disposition"]
    assert poppler.outline(merged.content, tmp_path) == []  # Gotenberg's default
    assert poppler.outline(bookmarked, tmp_path) == ["Alpha", "Bravo"]


async def test_health_and_version_in_gotenberg_s_shapes(client: AsyncGotenbergClient, renderer_url: str) -> None:
    health = await client.health.health()
    version = await client.version.get()

    assert health.overall == "up" and health.chromium is not None and health.chromium.status == "up"
    assert abs(health.chromium.timestamp - datetime.now(UTC)) < timedelta(minutes=5)
    assert version.startswith("8.")
    async with aiohttp.ClientSession() as session, session.get(renderer_url + "/health") as response:  # no auth
        assert response.status == 200 and response.headers["Gotenberg-Trace"]


async def test_fields_and_routes_it_does_not_offer_are_refused_by_name(client: AsyncGotenbergClient) -> None:
    async with client.chromium.html_to_pdf() as route:
        single = await refused(route.string_index(html("x")).single_page(use_single_page=True))
    async with client.chromium.html_to_pdf() as route:
        cookies = await refused(route.string_index(html("x")).user_agent("bot/1"))
    async with client.chromium.html_to_pdf() as route:
        paper = await refused(
            route.string_index(html("x"))
            .size(PageSize(width=Measurement(8, Unit.Inches)))
            .margins(PageMarginsType(left=Measurement(5, Unit.Inches), right=Measurement(3, Unit.Inches)))
        )
    async with client.chromium.html_to_pdf() as route:
        scale = await refused(route.string_index(html("x")).scale(3))
    async with client.chromium.html_to_pdf() as route:
        ranges = await refused(route.string_index(html("<p>one page</p>")).page_ranges("4-5"))
    async with client.chromium.html_to_pdf() as route:
        copyright_ = await refused(route.string_index(html("x")).metadata(pdf_copyright="ACME"))
    async with client.chromium.html_to_pdf() as route:
        waiting = await refused(route.string_index(html("x")).render_expression("window.ready === true"))
    async with client.chromium.html_to_pdf() as route:
        no_index = await refused(route.string_resource("p {}", "style.css"))
    async with client.chromium.screenshot_html() as route:
        screenshot = await refused(route.string_index(html("x")))

    assert single == (400, {"code": "invalid_parameter", "field": "singlePage", "message": single[1]["message"]})
    assert "at its default (false)" in single[1]["message"]
    assert cookies[0] == 400 and "never goes to the network" in cookies[1]["message"]
    assert paper[0] == 400 and paper[1]["field"] == "marginLeft" and "no room" in paper[1]["message"]
    assert scale[0] == 400 and "from 0.1 to 2" in scale[1]["message"]
    assert ranges == (400, {"code": "unprintable_document", "field": None, "message": ranges[1]["message"]})
    assert "nativePageRanges" in ranges[1]["message"]
    assert copyright_[0] == 400 and "Copyright is not written" in copyright_[1]["message"]
    assert waiting[0] == 400 and "needs JavaScript" in waiting[1]["message"]
    assert no_index[0] == 400 and no_index[1]["field"] == "index.html"
    assert screenshot[0] == 404 and "/forms/chromium/convert/html" in screenshot[1]["message"]


async def test_webhooks_are_refused(client: AsyncGotenbergClient) -> None:
    client.add_webhook_url("http://127.0.0.1:9/hook")
    async with client.chromium.html_to_pdf() as route:
        status, body = await refused(route.string_index(html("x")))

    assert status == 400 and "webhooks are not offered" in body["message"]


async def test_basic_auth_takes_the_token_as_password_and_bearer_works_too(renderer_url: str) -> None:
    async with (
        AsyncGotenbergClient(renderer_url, auth=("any-service", "wrong")) as wrong,
        wrong.chromium.html_to_pdf() as route,
    ):
        status, body = await refused(route.string_index(html("x")))
    async with AsyncGotenbergClient(renderer_url) as bearer:
        bearer.add_headers({"Authorization": f"Bearer {RENDERER_TOKEN}"})
        async with bearer.chromium.html_to_pdf() as route:
            ok = await route.string_index(html("<p>bearer</p>")).run()

    assert status == 401 and body["code"] == "unauthorized"
    assert "Basic" in body["message"]
    assert poppler.texts(ok.content) == ["bearer"]


async def test_javascript_runs_only_when_asked_and_wait_for_expression_waits(renderer_url: str) -> None:
    url = renderer_url + "/forms/chromium/convert/html"
    script = "<script>setTimeout(() => { document.body.append('LATE'); window.ready = true }, 300)</script>"
    index = html(f"<p>early</p>{script}").encode()

    waited = await post_form(
        url, {"javascript": "true", "waitForExpression": "window.ready === true"}, {"index.html": index}
    )
    static = await post_form(url, {}, {"index.html": index})
    broken = await post_form(url, {"javascript": "true", "waitForExpression": "window.("}, {"index.html": index})

    assert waited[0] == 200 and "LATE" in poppler.texts(waited[1])[0]
    assert static[0] == 200 and "LATE" not in poppler.texts(static[1])[0]
    assert broken[0] == 400 and "waitForExpression" in json.loads(broken[1])["error"]["message"]


async def test_bundle_jobs_give_their_pooled_page_back_clean(client: AsyncGotenbergClient, renderer_url: str) -> None:
    async def dirty() -> float:
        async with aiohttp.ClientSession() as session, session.get(renderer_url + "/metrics") as response:
            return parse_metrics(await response.text())[
                "renderer_pages_replaced_total", frozenset({("reason", "dirty")})
            ]

    before = await dirty()
    pdfs = [await convert(client, html(f"<p>job {i}</p>"), style_css="p { color: navy }") for i in range(4)]

    assert [poppler.texts(pdf) for pdf in pdfs] == [[f"job {i}"] for i in range(4)]
    assert await dirty() == before  # each page went back to about:blank and was kept


@pytest.mark.parametrize("javascript", ["false", "true"])
async def test_documents_and_their_files_cannot_reach_the_network(renderer_url: str, javascript: str) -> None:
    async with Canary() as canary:
        base = f"http://127.0.0.1:{canary.tcp_port}"
        style = f'@import url("{base}/import.css"); @font-face {{ font-family: Leak; src: url("{base}/f.woff2") }} '
        style += f'body {{ font-family: Leak; background: url("{base}/bg.png") }} p::after {{ content: url({base}/a) }}'
        index = html('<p>leaky files</p><iframe src="frame.html"></iframe><img src="../../img.png">')
        index = index.replace("</head>", '<link rel="stylesheet" href="style.css"></head>')
        files = {
            "index.html": index.encode(),
            "style.css": style.encode(),
            "frame.html": leaky_html(canary.tcp_port, canary.udp_port).encode(),  # every way out, in an uploaded file
        }
        status, pdf = await post_form(renderer_url + "/forms/chromium/convert/html", {"javascript": javascript}, files)
        await asyncio.sleep(0.5)  # room for any late connection to arrive

    assert status == 200 and "leaky files" in poppler.texts(pdf)[0]
    assert canary.seen == []


async def test_uploaded_files_cannot_read_local_files(renderer_url: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("LOCAL-FILE-CONTENT")
    style = f'p::after {{ content: url("{secret.as_uri()}") }}'
    index = html(f'<p>probe</p><iframe src="{secret.as_uri()}"></iframe><iframe src="framed.html"></iframe>')
    index = index.replace("</head>", '<link rel="stylesheet" href="style.css"></head>')
    framed = f'<object data="{secret.as_uri()}"></object><embed src="{secret.as_uri()}">'
    files = {"index.html": index.encode(), "style.css": style.encode(), "framed.html": framed.encode()}

    status, pdf = await post_form(renderer_url + "/forms/chromium/convert/html", {"javascript": "true"}, files)

    assert status == 200
    text = " ".join(poppler.texts(pdf))
    assert "probe" in text and "LOCAL-FILE-CONTENT" not in text


@pytest.mark.parametrize(
    "template",
    [
        '<img src="{base}/header.png">',
        '<link rel="stylesheet" href="{base}/header.css">',
        "<style>@import url({base}/import.css); @font-face {{ src: url({base}/f.woff) }}</style>",
        '<div style="background: url({base}/bg.png)">x</div>',
        "<style>@font-face {{ src: u\\72l({base}/escaped.woff) }}</style>",
    ],
)
async def test_header_and_footer_templates_that_would_load_anything_are_refused(
    client: AsyncGotenbergClient, renderer_url: str, template: str
) -> None:
    async with Canary() as canary:
        filled = template.format(base=f"http://127.0.0.1:{canary.tcp_port}")
        async with client.chromium.html_to_pdf() as route:
            header = await refused(route.string_index(html("x")).string_header(filled))
        async with client.chromium.html_to_pdf() as route:
            footer = await refused(route.string_index(html("x")).string_footer(filled))
        async with aiohttp.ClientSession() as session:
            response = await session.post(
                renderer_url + "/v1/pdf",
                json={"html": html("x"), "headerTemplate": filled},
                headers={"Authorization": f"Bearer {RENDERER_TOKEN}"},
            )
            v1 = response.status, (await response.json())["error"]
        await asyncio.sleep(0.3)

    assert header[0] == footer[0] == 400 and (header[1]["field"], footer[1]["field"]) == ("header.html", "footer.html")
    assert f"127.0.0.1:{canary.tcp_port}" in header[1]["message"]
    assert v1[0] == 422 and v1[1]["field"] == "headerTemplate"
    assert canary.seen == []

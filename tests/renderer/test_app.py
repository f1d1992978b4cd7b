"""The renderer over HTTP with a real Chromium: PDFs, auth, errors, and no way out to the network."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pypdf import PdfReader

from crb.report import ReportData
from renderer.app import create_app
from renderer.gotenberg import HTML_FIELDS
from renderer.print_request import FIELDS
from tests.renderer import poppler
from tests.renderer.canary import Canary, leaky_html
from tests.renderer.service import AUTH, HTML, TOKEN, Client, error_of, parse_metrics, pdf_dict, pdf_text, settings

pytestmark = pytest.mark.browser

MAX_BODY_BYTES = 256 * 1024


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[Client]:
    """One app, and so one Chromium, for the whole module."""
    app = create_app(settings(PAGES="2", MAX_BODY_BYTES=str(MAX_BODY_BYTES)))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture
def report_json(report: ReportData) -> dict[str, Any]:
    return report.model_dump(mode="json")


async def test_report_is_a_vector_pdf_with_the_content(client: Client, report_json: dict[str, Any]) -> None:
    response = await client.post("/v1/reports", json=report_json, headers=AUTH)

    assert response.status == 200
    assert response.content_type == "application/pdf"
    pdf = await response.read()
    assert pdf.startswith(b"%PDF-")
    pages = pdf_text(pdf)
    assert len(pages) >= 2
    assert response.headers["X-Page-Count"] == str(len(pages))
    text = "\n".join(pages)
    assert "Acme GmbH" in text
    assert "Executive summary" in text
    assert "Methodology and assumptions" in text
    assert b"/Subtype /Image" not in pdf
    assert all(not page.images for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_pages_are_numbered_after_the_cover(client: Client, report_json: dict[str, Any]) -> None:
    response = await client.post("/v1/reports", json=report_json, headers=AUTH)

    pages = pdf_text(await response.read())
    assert "Page 1 of" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in text


async def test_reports_are_tagged_and_bookmarked_and_html_prints_as_before(
    client: Client, report_json: dict[str, Any]
) -> None:
    report = await (await client.post("/v1/reports", json=report_json, headers=AUTH)).read()
    html = "<!DOCTYPE html><title>t</title><h1>One</h1><p>x</p><h2>Two</h2><p>y</p>"
    plain = await (await client.post("/v1/pdf", data=html, headers=HTML)).read()

    root = pdf_dict(PdfReader(io.BytesIO(report)).trailer["/Root"])
    assert bool(pdf_dict(root["/MarkInfo"])["/Marked"]) and "/StructTreeRoot" in root and "/Outlines" in root
    plain_root = pdf_dict(PdfReader(io.BytesIO(plain)).trailer["/Root"])
    assert not {"/MarkInfo", "/StructTreeRoot", "/Outlines"} & set(plain_root)


async def test_missing_or_wrong_token_is_401(client: Client, report_json: dict[str, Any]) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = await client.post("/v1/reports", json=report_json, headers=headers)

        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert (await error_of(response))["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r["findings"][0].update(title=123), "findings.0.title"),
        (lambda r: r["pillars"][1].update(score=101), "pillars.1.score"),
        (lambda r: r.pop("company_name"), "company_name"),
        (lambda r: r.update(colour="blue"), "colour"),
    ],
)
async def test_invalid_report_is_422_naming_the_field(
    client: Client, report_json: dict[str, Any], change: Callable[[dict[str, Any]], object], field: str
) -> None:
    change(report_json)

    response = await client.post("/v1/reports", json=report_json, headers=AUTH)

    assert response.status == 422
    error = await error_of(response)
    assert error["code"] == "invalid_report"
    assert error["field"] == field
    assert field in error["message"]


async def test_a_report_that_contradicts_itself_is_422_naming_the_contradiction(
    client: Client, report_json: dict[str, Any]
) -> None:
    report_json["value_summary"]["risk_allowance"] += 1  # valid under the schema, but not what the items add up to

    response = await client.post("/v1/reports", json=report_json, headers=AUTH)

    assert response.status == 422
    error = await error_of(response)
    assert error["code"] == "inconsistent_report"
    assert "risk allowance is not the sum" in error["message"]


async def test_malformed_json_is_400(client: Client) -> None:
    for body in (b"{not json", b"\xff\xfe", b""):
        response = await client.post("/v1/reports", data=body, headers=AUTH)

        assert response.status == 400
        assert await error_of(response) == {
            "code": "invalid_json",
            "message": "the body is not valid JSON",
            "field": None,
        }


async def test_huge_body_is_413(client: Client) -> None:
    body = io.BytesIO(b'{"company_name": "' + b"x" * MAX_BODY_BYTES + b'"}')

    response = await client.post("/v1/reports", data=body, headers=AUTH)

    assert response.status == 413
    assert (await error_of(response))["code"] == "payload_too_large"


async def test_unknown_route_is_a_json_404(client: Client) -> None:
    response = await client.get("/v1/nothing-here", headers=AUTH)

    assert response.status == 404
    assert (await error_of(response))["code"] == "not_found"


async def test_healthz_reports_the_browser(client: Client) -> None:
    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok", "browser": True}


async def test_html_document_becomes_a_pdf(client: Client) -> None:
    html = "<!DOCTYPE html><html><body><h1>Hello from HTML</h1></body></html>"

    response = await client.post("/v1/pdf", data=html, headers=HTML)

    assert response.status == 200
    pdf = await response.read()
    assert response.headers["X-Page-Count"] == "1"
    assert "Hello from HTML" in pdf_text(pdf)[0]


async def test_html_needs_its_content_type(client: Client) -> None:
    response = await client.post("/v1/pdf", data="<p>hi</p>", headers={**AUTH, "Content-Type": "text/plain"})

    assert response.status == 415
    assert (await error_of(response))["code"] == "unsupported_media_type"


async def test_javascript_runs_only_when_asked(client: Client) -> None:
    html = "<body><p>static</p><script>document.body.append('SCRIPT' + 'RAN')</script></body>"

    off = await client.post("/v1/pdf", data=html, headers=HTML)
    on = await client.post("/v1/pdf", data=html, params={"javascript": "true"}, headers=HTML)
    bad = await client.post("/v1/pdf", data=html, params={"javascript": "maybe"}, headers=HTML)

    assert "SCRIPTRAN" not in pdf_text(await off.read())[0]
    assert "SCRIPTRAN" in pdf_text(await on.read())[0]
    assert bad.status == 400
    assert (await error_of(bad))["field"] == "javascript"


async def test_html_takes_print_options_in_the_query_string(client: Client) -> None:
    html = "<!DOCTYPE html><style>body { margin: 0 }</style><p>Corner</p>"
    options = {"paperWidth": "148mm", "paperHeight": "210mm", "landscape": "true", "marginLeft": "1in"}

    response = await client.post("/v1/pdf", data=html, params=options, headers=HTML)

    pdf = await response.read()
    width, height = poppler.page_size(pdf)
    assert abs(width - 210 / 25.4 * 72) < 1 and abs(height - 148 / 25.4 * 72) < 1
    assert abs(poppler.words(pdf)[0].x_min - 72) < 1


async def test_html_takes_json_with_the_options_beside_it(client: Client, tmp_path: Path) -> None:
    footer = (
        '<div style="font-size: 10px">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>'
    )
    body = {
        "html": "<h1>One</h1><h2 style='break-before: page'>Two</h2>",
        "footerTemplate": footer,
        "marginBottom": "2cm",
        "generateDocumentOutline": True,
        "metadata": {"Title": "From JSON", "Keywords": ["a", "b"]},
    }

    response = await client.post("/v1/pdf", json=body, headers=AUTH)

    pdf = await response.read()
    assert response.status == 200 and response.headers["X-Page-Count"] == "2"
    assert [text.split()[-4:] for text in poppler.texts(pdf)] == [["Page", "1", "of", "2"], ["Page", "2", "of", "2"]]
    info = poppler.info(pdf)
    assert (info["Title"], info["Keywords"], info["Tagged"]) == ("From JSON", "a, b", "yes")
    assert poppler.outline(pdf, tmp_path) == ["One", "Two"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scale": "5"}, "scale"),
        ({"paperWidth": "wide"}, "paperWidth"),
        ({"colour": "blue"}, "colour"),
        ({"waitForExpression": "true"}, "waitForExpression"),  # without JavaScript
        ({"metadata": '{"Copyright": "ACME"}'}, "metadata"),
    ],
)
async def test_bad_query_options_are_400_naming_them(client: Client, params: dict[str, str], field: str) -> None:
    response = await client.post("/v1/pdf", data="<p>x</p>", params=params, headers=HTML)

    assert response.status == 400
    error = await error_of(response)
    assert (error["code"], error["field"]) == ("invalid_parameter", field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"html": 3}, "html"),
        ({"html": "   "}, "html"),
        ([], "html"),
        ({"html": "<p>x</p>", "scale": 5}, "scale"),
        ({"html": "<p>x</p>", "landscape": "sideways"}, "landscape"),
        ({"html": "<p>x</p>", "headerTemplate": '<img src="http://127.0.0.1:9/x.png">'}, "headerTemplate"),
        ({"html": "<p>x</p>", "metadata": {"Title": 3}}, "metadata"),
        ({"html": "<p>x</p>", "url": "http://127.0.0.1:9/"}, "url"),
    ],
)
async def test_bad_json_options_are_422_naming_them(client: Client, body: object, field: str) -> None:
    response = await client.post("/v1/pdf", json=body, headers=AUTH)

    assert response.status == 422
    error = await error_of(response)
    assert (error["code"], error["field"]) == ("invalid_request", field)


async def test_data_urls_still_load(client: Client) -> None:
    html = '<body><iframe src="data:text/html,<p>INLINE-FRAME</p>"></iframe></body>'

    response = await client.post("/v1/pdf", data=html, headers=HTML)

    assert "INLINE-FRAME" in pdf_text(await response.read())[0]


@pytest.mark.parametrize("javascript", ["false", "true"])
async def test_html_cannot_reach_the_network(client: Client, javascript: str) -> None:
    async with Canary() as canary:
        response = await client.post(
            "/v1/pdf",
            data=leaky_html(canary.tcp_port, canary.udp_port),
            params={"javascript": javascript},
            headers=HTML,
        )
        await asyncio.sleep(0.5)  # room for any late connection to arrive

    assert response.status == 200
    assert canary.seen == []


async def test_html_cannot_read_local_files(client: Client, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("LOCAL-FILE-CONTENT")
    url = secret.as_uri()
    html = f'<body><p>probe</p><iframe src="{url}"></iframe><object data="{url}"></object></body>'

    response = await client.post("/v1/pdf", data=html, params={"javascript": "true"}, headers=HTML)

    text = "\n".join(pdf_text(await response.read()))
    assert "probe" in text
    assert "LOCAL-FILE-CONTENT" not in text


async def test_many_reports_at_once(client: Client, report_json: dict[str, Any]) -> None:
    body = json.dumps(report_json)

    responses = await asyncio.gather(*(client.post("/v1/reports", data=body, headers=AUTH) for _ in range(4)))

    assert [r.status for r in responses] == [200] * 4  # two print, two wait in the queue
    assert len({r.headers["X-Page-Count"] for r in responses}) == 1
    assert all(pdf.startswith(b"%PDF-") for pdf in [await r.read() for r in responses])


async def test_service_routes_need_no_token(client: Client) -> None:
    for path in ("/healthz", "/metrics", "/openapi.json"):
        response = await client.get(path)

        assert response.status == 200, path


async def test_metrics_are_prometheus_text_with_every_family(client: Client) -> None:
    await client.post("/v1/pdf", data="<p>counted</p>", headers=HTML)
    await client.post("/v1/pdf", data="<p>no token</p>")  # refused before it is a job: not counted

    response = await client.get("/metrics")

    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = await response.text()
    samples = parse_metrics(text)
    families = {line.split()[2]: line.split()[3] for line in text.splitlines() if line.startswith("# TYPE")}
    assert families == {
        "renderer_jobs_total": "counter",
        "renderer_job_duration_seconds": "histogram",
        "renderer_jobs_in_flight": "gauge",
        "renderer_queue_depth": "gauge",
        "renderer_queue_capacity": "gauge",
        "renderer_pages": "gauge",
        "renderer_pool_size": "gauge",
        "renderer_browser_up": "gauge",
        "renderer_browser_jobs": "gauge",
        "renderer_browser_restarts_total": "counter",
        "renderer_pages_replaced_total": "counter",
    }
    assert all(name.startswith(tuple(families)) for name, _ in samples)
    pdf_ok = frozenset({("endpoint", "pdf"), ("outcome", "ok")})
    assert samples["renderer_jobs_total", pdf_ok] >= 1
    assert samples["renderer_browser_up", frozenset()] == 1
    assert samples["renderer_pool_size", frozenset()] == 2
    assert samples["renderer_queue_capacity", frozenset()] == 2 + 32


async def test_metrics_speak_openmetrics_when_the_scraper_asks(client: Client) -> None:
    response = await client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})

    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    text = await response.text()
    assert "# TYPE renderer_jobs counter" in text and text.endswith("# EOF\n")


async def test_duration_histogram_is_cumulative(client: Client) -> None:
    await client.post("/v1/pdf", data="<p>timed</p>", headers=HTML)

    samples = parse_metrics(await (await client.get("/metrics")).text())

    buckets = sorted(
        (float(dict(labels)["le"]), value)
        for (name, labels), value in samples.items()
        if name == "renderer_job_duration_seconds_bucket" and dict(labels)["endpoint"] == "pdf"
    )
    counts = [value for _, value in buckets]
    assert counts == sorted(counts)
    pdf = frozenset({("endpoint", "pdf")})
    assert buckets[-1] == (float("inf"), samples["renderer_job_duration_seconds_count", pdf])
    assert samples["renderer_job_duration_seconds_sum", pdf] > 0


async def test_openapi_document_describes_the_api(client: Client) -> None:
    response = await client.get("/openapi.json")

    document = await response.json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/v1/reports",
        "/v1/pdf",
        "/healthz",
        "/metrics",
        "/openapi.json",
        "/forms/chromium/convert/html",
        "/forms/pdfengines/merge",
        "/health",
        "/version",
    }
    reports = document["paths"]["/v1/reports"]["post"]
    assert reports["security"] == [{"bearer": []}]
    assert reports["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReportData"
    }
    assert {"200", "401", "413", "422", "503", "504"} <= set(reports["responses"])
    assert "Retry-After" in reports["responses"]["503"]["headers"]
    pdf = document["paths"]["/v1/pdf"]["post"]
    assert {parameter["name"] for parameter in pdf["parameters"]} == set(FIELDS)  # every option, by Gotenberg's name
    assert set(document["components"]["schemas"]["PdfRequest"]["properties"]) == {"html", *FIELDS}
    assert set(pdf["requestBody"]["content"]) == {"text/html", "application/json"}
    convert = document["paths"]["/forms/chromium/convert/html"]["post"]
    form = convert["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert {"index.html", "header.html", "footer.html", *HTML_FIELDS} == set(form)
    assert convert["security"] == [{"bearer": []}, {"basic": []}]
    open_paths = ("/healthz", "/metrics", "/openapi.json", "/health", "/version")
    assert all(document["paths"][path]["get"]["security"] == [] for path in open_paths)
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["code", "message", "field"]


async def test_openapi_report_schema_follows_the_model(client: Client) -> None:
    document = await (await client.get("/openapi.json")).json()

    schemas = document["components"]["schemas"]
    expected = ReportData.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, schema in expected.pop("$defs", {}).items():
        assert schemas[name] == schema
    assert schemas["ReportData"] == expected
    assert set(_refs(document)) <= {f"#/components/schemas/{name}" for name in schemas}


def _refs(node: object) -> list[str]:
    """Every `$ref` in a JSON document."""
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []

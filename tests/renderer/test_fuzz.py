"""The renderer fuzzed from its own OpenAPI document by schemathesis (its CLI, in a process of its own, against the
real service with Chromium): no server error for any input, every answer as the document says (status, media
type, body, headers), schema-violating requests refused, and undeclared methods answered 405 with `Allow`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from renderer.app import create_app
from tests.renderer.service import AUTH, TOKEN, Client, error_of, settings

pytestmark = pytest.mark.browser

# What the fuzzer may not hold against the renderer, and why:
# - a request valid under the schema may still be refused (positive_data_acceptance): a report must agree with
#   itself and margins must leave room on the page, which no JSON Schema can say;
# - /v1/pdf's text/html body is any text, and the fuzzer takes the text `null` for JSON's null, "violating"
#   the schema, which the renderer rightly prints (negative_data_rejection there only).
CONFIG = """
[checks]
positive_data_acceptance.enabled = false

[[operations]]
include-path = "/v1/pdf"
checks.negative_data_rejection.enabled = false
"""
EXAMPLES = 25
SEED = 20261204  # the same cases every run: a failure here is reproducible with the command it prints


@pytest.fixture(scope="module")
async def quick() -> AsyncIterator[Client]:
    """A renderer whose jobs must finish in 5 s: an expression that never comes true is then found out fast."""
    async with TestClient(TestServer(create_app(settings(JOB_TIMEOUT_S="5", PAGES="2")))) as client:
        yield client


async def test_schemathesis_finds_nothing_against_the_renderer(renderer_url: str, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "schemathesis.cli", "--no-color", "--config-file", str(config), "run",
        f"{renderer_url}/openapi.json", "--header", f"Authorization: Bearer {TOKEN}",
        "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--request-timeout", "60",
        "--generation-database", "none", "--report-dir", str(tmp_path),
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")[-6000:]


async def test_an_expression_that_never_comes_true_is_the_document_s_fault(quick: Client) -> None:
    body = {"html": "<p>waiting</p>", "javascript": True, "waitForExpression": "window.never === true"}

    response = await quick.post("/v1/pdf", json=body, headers=AUTH)

    error = await error_of(response)
    assert response.status == 400 and error["code"] == "unprintable_document"
    assert "waitForExpression: the expression was still false after" in error["message"]


async def test_an_undeclared_method_is_405_with_allow(quick: Client) -> None:
    response = await quick.request("TRACE", "/version", headers=AUTH)

    assert response.status == 405 and "GET" in response.headers["Allow"]
    assert (await error_of(response))["code"] == "method_not_allowed"

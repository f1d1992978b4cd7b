"""The edge fuzzed from its own OpenAPI document (`GET /api/openapi.json`) by schemathesis, its CLI in a process of
its own against the real edge on loopback with Postgres and Redis: no server error for any input, every answer as
the document says (status, media type, body, headers), schema-violating requests refused, undeclared methods 405
with `Allow`. The session routes are fuzzed on one real session (its id and token), not only on unknown ids."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from edge.api import SessionCreated
from edge.openapi import REF
from tests.journey import EdgeClient, completed_session

PREFIX = REF.removesuffix("{model}")

# What the fuzzer may not hold against the edge, and why:
# - a request valid under the schema may still be refused (positive_data_acceptance): answers are checked
#   against the quiz and each other, and a checkout needs a completed quiz, which no JSON Schema can say;
# - an erased session still answers (use_after_free): erasure keeps the record the accounts need, and its
#   routes say what became of it (status `expired`, no answers, no download).
CONFIG = """
[checks]
positive_data_acceptance.enabled = false
use_after_free.enabled = false

[parameters]
id = "{sid}"
"""
EXAMPLES = 60
SEED = 20261204  # the same cases every run: a failure here is reproducible with the command it prints


async def test_schemathesis_finds_nothing_against_the_edge(edge_client: EdgeClient, tmp_path: Path) -> None:
    client, settings = await edge_client(RATE_LIMITS="off")
    sid, token = await completed_session(client)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(sid=sid))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "schemathesis.cli", "--no-color", "--config-file", str(config), "run",
        f"{settings.public_base_url}/api/openapi.json", "--header", f"Authorization: Bearer {token}",
        "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--request-timeout", "30",
        "--generation-database", "none", "--report-dir", str(tmp_path),
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")[-8000:]


async def test_the_document_is_generated_from_the_handlers_models(edge_client: EdgeClient) -> None:
    client, settings = await edge_client()
    document = await (await client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.1") and document["servers"] == [{"url": settings.public_base_url}]
    schemas = document["components"]["schemas"]
    assert schemas["SessionCreated"] == SessionCreated.model_json_schema(ref_template=REF, mode="serialization")
    assert set(schemas["CheckoutBody"]["properties"]) == {"email", "tier"}
    operation = document["paths"]["/api/sessions/{id}/checkout"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": f"{PREFIX}CheckoutBody"}
    assert {"200", "401", "404", "422", "429", "503"} <= set(operation["responses"])
    # An API route's 405 names its own methods: the development site's catch-all stays out of /api/.
    response = await client.request("PATCH", "/api/sessions")
    assert response.status == 405 and response.headers["Allow"] == "POST"

"""One contract for both report stores: LocalStore directly, SupabaseStore against the Storage-shaped server."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from crb.settings import Settings
from crb.storage import LocalStore, ReportStore, StorageError, SupabaseStore, check_path
from tests.fakes.storage_server import FakeStorage

PDF = b"%PDF-1.7 a small stand-in document\n%%EOF"


@pytest.fixture(params=["local", "supabase"])
async def store(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings], fake_storage: tuple[FakeStorage, str]
) -> AsyncIterator[tuple[ReportStore, Callable[[str, float], None]]]:
    """The store, and a way to make a stored file look `age` seconds old."""
    fake, url = fake_storage
    if request.param == "local":
        local = LocalStore(make_settings())

        def age_local(path: str, seconds: float) -> None:
            stamp = time.time() - seconds
            os.utime(local.file(path), (stamp, stamp))

        yield local, age_local
        await local.close()
    else:
        remote = SupabaseStore(make_settings(SUPABASE_URL=url, SUPABASE_SERVICE_KEY=fake.service_key))

        def age_remote(path: str, seconds: float) -> None:
            fake.objects[f"reports/{path}"].created -= seconds

        yield remote, age_remote
        await remote.close()


async def fetch(url: str) -> tuple[int, bytes, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.read(), response.headers.get("Content-Type", "")


async def test_upload_download_exists_delete(store: Any) -> None:
    s, _ = store
    assert not await s.exists("a/b.pdf")
    await s.upload("a/b.pdf", PDF)
    await s.upload("a/b.pdf", PDF + b"v2")  # upsert
    assert await s.exists("a/b.pdf")
    assert await s.download("a/b.pdf") == PDF + b"v2"
    await s.delete(["a/b.pdf", "a/never.pdf"])
    assert not await s.exists("a/b.pdf")
    with pytest.raises(StorageError):
        await s.download("a/b.pdf")


async def test_list_older_than(store: Any) -> None:
    s, age = store
    for path in ("s1/old.pdf", "s1/new.pdf", "s2/old.pdf"):
        await s.upload(path, PDF)
    age("s1/old.pdf", 31 * 86400)
    age("s2/old.pdf", 40 * 86400)
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    assert await s.list_older_than(cutoff) == ["s1/old.pdf", "s2/old.pdf"]


async def test_bad_paths_never_leave_the_bucket(store: Any) -> None:
    s, _ = store
    for path in ("../etc/passwd", "/abs.pdf", "a/../../b.pdf", ""):
        with pytest.raises(ValueError):
            await s.upload(path, PDF)


def test_check_path() -> None:
    assert check_path("s/r.pdf") == check_path("s/./r.pdf") == "s/r.pdf"
    with pytest.raises(ValueError):
        check_path("s/../../r.pdf")


async def test_local_signed_links_are_served_and_expire(edge_client: Callable[..., Any], tmp_path: Path) -> None:
    client, settings = await edge_client()
    local = LocalStore(settings)
    await local.upload("s/r.pdf", PDF)
    url = await local.signed_url("s/r.pdf", 60)
    response = await client.get(url.removeprefix(settings.public_base_url))
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert await response.read() == PDF
    expired = await local.signed_url("s/r.pdf", -1)
    assert (await client.get(expired.removeprefix(settings.public_base_url))).status == 401
    forged = url.replace("s/r.pdf", "s/other.pdf")
    assert (await client.get(forged.removeprefix(settings.public_base_url))).status == 401
    named = await local.signed_url("s/r.pdf", 60, "CRB report - Müller & Söhne.pdf")
    response = await client.get(named.removeprefix(settings.public_base_url))
    assert response.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''CRB%20report")
    renamed = named.replace("name=CRB", "name=Evil")
    assert (await client.get(renamed.removeprefix(settings.public_base_url))).status == 401


async def test_supabase_upload_is_a_pdf_and_signed_url_works(
    make_settings: Callable[..., Settings], fake_storage: tuple[FakeStorage, str]
) -> None:
    fake, url = fake_storage
    remote = SupabaseStore(make_settings(SUPABASE_URL=url, SUPABASE_SERVICE_KEY=fake.service_key))
    try:
        await remote.upload("s/r.pdf", PDF)
        assert fake.objects["reports/s/r.pdf"].content_type == "application/pdf"
        status, body, content_type = await fetch(await remote.signed_url("s/r.pdf", 60))
        assert (status, body, content_type) == (200, PDF, "application/pdf")
        fake.fail_uploads = 1
        with pytest.raises(StorageError):
            await remote.upload("s/r2.pdf", PDF)
    finally:
        await remote.close()


async def test_supabase_wrong_key_is_a_storage_error(
    make_settings: Callable[..., Settings], fake_storage: tuple[FakeStorage, str]
) -> None:
    _, url = fake_storage
    remote = SupabaseStore(make_settings(SUPABASE_URL=url, SUPABASE_SERVICE_KEY="not-the-key"))
    try:
        with pytest.raises(StorageError):
            await remote.upload("s/r.pdf", PDF)
    finally:
        await remote.close()

"""Report PDFs at rest: Supabase Storage in production, a local folder with signed links by default."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import httpx
from storage3.utils import StorageException

from crb import signing
from crb.settings import Settings

BUCKET = "reports"
PDF = "application/pdf"
LOCAL_FILE_PURPOSE = "local-file"
STORAGE_TIMEOUT_S = 30
LIST_PAGE = 100


class StorageError(RuntimeError):
    """The store could not do what was asked; worth a retry."""


class ReportStore(Protocol):
    """Where report PDFs live. Paths are `<session id>/<report id>.pdf`, relative to the private bucket."""

    async def upload(self, path: str, data: bytes) -> None: ...

    async def download(self, path: str) -> bytes: ...

    async def signed_url(self, path: str, expires_in: int, download_name: str | None = None) -> str:
        """A link that works without credentials until it expires; with `download_name`, a download by that name."""
        ...

    async def exists(self, path: str) -> bool: ...

    async def delete(self, paths: list[str]) -> None: ...

    async def list_older_than(self, cutoff: dt.datetime) -> list[str]:
        """Every stored path created before `cutoff`."""
        ...

    async def close(self) -> None: ...


def check_path(path: str) -> str:
    """Object paths are relative, with no `..`: a path can never leave the bucket."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or any(p in ("..", ".", "") for p in pure.parts):
        raise ValueError(f"bad object path: {path!r}")
    return str(pure)


class LocalStore:
    """Files under `$DATA_DIR/storage`, served by the edge at `/files/...` behind HMAC-signed expiring links."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.data_dir / "storage" / BUCKET
        self._key = settings.secret_key
        self._base = settings.public_base_url

    def file(self, path: str) -> Path:
        return self.root / check_path(path)

    async def upload(self, path: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self.file(path), data)

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)  # readers never see half a file

    async def signed_url(self, path: str, expires_in: int, download_name: str | None = None) -> str:
        path = check_path(path)
        expires = int(time.time()) + expires_in
        name = download_name or ""
        sig = signing.sign(self._key, LOCAL_FILE_PURPOSE, f"{path}:{expires}:{name}")
        query = {"expires": expires, "sig": sig} | ({"name": name} if name else {})
        return f"{self._base}/files/{quote(path)}?" + urlencode(query)

    def verify(self, path: str, expires: str, sig: str, name: str, now: float) -> bool:
        """Whether a `/files/...` link is genuine and unexpired."""
        if not expires.isdigit() or int(expires) < now:
            return False
        return signing.verify(self._key, LOCAL_FILE_PURPOSE, f"{check_path(path)}:{expires}:{name}", sig)

    async def download(self, path: str) -> bytes:
        try:
            return await asyncio.to_thread(self.file(path).read_bytes)
        except FileNotFoundError:
            raise StorageError(f"{path} is not stored") from None

    async def exists(self, path: str) -> bool:
        return self.file(path).is_file()

    async def delete(self, paths: list[str]) -> None:
        for p in paths:
            self.file(p).unlink(missing_ok=True)

    async def list_older_than(self, cutoff: dt.datetime) -> list[str]:
        limit = cutoff.timestamp()
        return sorted(
            str(f.relative_to(self.root)) for f in self.root.rglob("*.pdf") if f.is_file() and f.stat().st_mtime < limit
        )

    async def close(self) -> None:
        return None


class SupabaseStore:
    """The private `reports` bucket through storage3, the supabase client's storage API
    (https://supabase.com/docs/reference/python/storage-from-upload), with the service-role key."""

    def __init__(self, settings: Settings) -> None:
        assert settings.supabase_url and settings.supabase_service_key
        from storage3 import AsyncStorageClient

        key = settings.supabase_service_key.value
        headers = {"apikey": key, "Authorization": f"Bearer {key}"}
        self._http = httpx.AsyncClient(headers=headers, timeout=STORAGE_TIMEOUT_S, follow_redirects=True)
        client = AsyncStorageClient(f"{settings.supabase_url}/storage/v1/", headers, http_client=self._http)
        self._bucket = client.from_(BUCKET)

    async def upload(self, path: str, data: bytes) -> None:
        try:
            # The default content type is text/plain, and `upsert` must be a string.
            await self._bucket.upload(check_path(path), data, {"content-type": PDF, "upsert": "true"})
        except (StorageException, httpx.HTTPError) as e:
            raise StorageError(f"upload of {path} failed: {e}") from e

    async def signed_url(self, path: str, expires_in: int, download_name: str | None = None) -> str:
        try:
            options: dict[str, Any] = {"download": download_name} if download_name else {}
            response = await self._bucket.create_signed_url(check_path(path), expires_in, options)  # type: ignore[arg-type]
        except (StorageException, httpx.HTTPError) as e:
            raise StorageError(f"signing {path} failed: {e}") from e
        return str(response["signedURL"])

    async def download(self, path: str) -> bytes:
        try:
            return bytes(await self._bucket.download(check_path(path)))
        except (StorageException, httpx.HTTPError) as e:
            raise StorageError(f"download of {path} failed: {e}") from e

    async def list_older_than(self, cutoff: dt.datetime) -> list[str]:
        """Walks the bucket's folders (one per session) through the list API, a page at a time."""
        try:
            found = []
            for folder in await self._list(""):
                if folder.get("id") is not None:  # a file at the top level
                    found += [folder["name"]] if _created(folder) < cutoff else []
                    continue
                found += [
                    f"{folder['name']}/{f['name']}" for f in await self._list(folder["name"]) if _created(f) < cutoff
                ]
            return sorted(found)
        except (StorageException, httpx.HTTPError) as e:
            raise StorageError(f"listing the bucket failed: {e}") from e

    async def _list(self, prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = await self._bucket.list(prefix, {"limit": LIST_PAGE, "offset": len(items)})
            items += page
            if len(page) < LIST_PAGE:
                return items

    async def exists(self, path: str) -> bool:
        try:
            return bool(await self._bucket.exists(check_path(path)))
        except (StorageException, httpx.HTTPError) as e:
            raise StorageError(f"checking {path} failed: {e}") from e

    async def delete(self, paths: list[str]) -> None:
        if not paths:
            return
        try:
            await self._bucket.remove([check_path(p) for p in paths])
        except (StorageException, httpx.HTTPError) as e:
            raise StorageError(f"deleting {len(paths)} file(s) failed: {e}") from e

    async def close(self) -> None:
        await self._http.aclose()


def _created(item: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00"))


def store_for(settings: Settings) -> ReportStore:
    """The one place that chooses Supabase Storage or the local folder."""
    return SupabaseStore(settings) if settings.supabase_url else LocalStore(settings)

"""Report PDFs at rest: Supabase Storage in production, a local folder with signed links by default."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote, urlencode

from crb import signing
from crb.settings import Settings

if TYPE_CHECKING:
    from supabase import AsyncClient

BUCKET = "reports"
PDF = "application/pdf"
LOCAL_FILE_PURPOSE = "local-file"


class StorageError(RuntimeError):
    """The store could not do what was asked; worth a retry."""


class ReportStore(Protocol):
    async def upload(self, path: str, data: bytes) -> None: ...

    async def signed_url(self, path: str, expires_in: int) -> str: ...

    async def exists(self, path: str) -> bool: ...

    async def delete(self, paths: list[str]) -> None: ...

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

    async def signed_url(self, path: str, expires_in: int) -> str:
        path = check_path(path)
        expires = int(time.time()) + expires_in
        sig = signing.sign(self._key, LOCAL_FILE_PURPOSE, f"{path}:{expires}")
        return f"{self._base}/files/{quote(path)}?" + urlencode({"expires": expires, "sig": sig})

    def verify(self, path: str, expires: str, sig: str, now: float) -> bool:
        """Whether a `/files/...` link is genuine and unexpired."""
        if not expires.isdigit() or int(expires) < now:
            return False
        return signing.verify(self._key, LOCAL_FILE_PURPOSE, f"{check_path(path)}:{expires}", sig)

    async def exists(self, path: str) -> bool:
        return self.file(path).is_file()

    async def delete(self, paths: list[str]) -> None:
        for p in paths:
            self.file(p).unlink(missing_ok=True)

    async def close(self) -> None:
        return None


class SupabaseStore:
    """The private `reports` bucket through the supabase client (https://supabase.com/docs/reference/python)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.supabase_url and settings.supabase_service_key
        self._url = settings.supabase_url
        self._key = settings.supabase_service_key
        self._client: AsyncClient | None = None

    async def _bucket(self):  # type: ignore[no-untyped-def]
        if self._client is None:
            from supabase import acreate_client

            self._client = await acreate_client(self._url, self._key.value)
        return self._client.storage.from_(BUCKET)

    async def upload(self, path: str, data: bytes) -> None:
        bucket = await self._bucket()
        try:
            # The default content type is text/plain, and `upsert` must be a string.
            await bucket.upload(check_path(path), data, {"content-type": PDF, "upsert": "true"})
        except Exception as e:
            raise StorageError(f"upload of {path} failed: {e}") from e

    async def signed_url(self, path: str, expires_in: int) -> str:
        bucket = await self._bucket()
        try:
            response = await bucket.create_signed_url(check_path(path), expires_in)
        except Exception as e:
            raise StorageError(f"signing {path} failed: {e}") from e
        return str(response["signedURL"])

    async def exists(self, path: str) -> bool:
        bucket = await self._bucket()
        return bool(await bucket.exists(check_path(path)))

    async def delete(self, paths: list[str]) -> None:
        if paths:
            bucket = await self._bucket()
            await bucket.remove([check_path(p) for p in paths])

    async def close(self) -> None:
        if self._client is not None:
            await self._client.storage._client.aclose()  # the storage client's own httpx session
            self._client = None


def store_for(settings: Settings) -> ReportStore:
    """The one place that chooses Supabase Storage or the local folder."""
    return SupabaseStore(settings) if settings.supabase_url else LocalStore(settings)

"""A loopback Supabase Storage: the `/storage/v1/object/...` routes the supabase client uses, with signed URLs."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PREFIX = "/storage/v1"


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    created: float


@dataclass
class FakeStorage:
    service_key: str = "service-role-key"
    buckets: dict[str, dict[str, Any]] = field(default_factory=lambda: {"reports": {"public": False}})
    objects: dict[str, StoredObject] = field(default_factory=dict)  # "bucket/path" -> object
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (key, expiry)
    fail_uploads: int = 0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post(PREFIX + "/object/sign/{bucket}/{path:.+}", self._sign)
        app.router.add_get(PREFIX + "/object/sign/{bucket}/{path:.+}", self._signed_download)
        app.router.add_get(PREFIX + "/object/info/{bucket}/{path:.+}", self._info)
        app.router.add_post(PREFIX + "/object/list/{bucket}", self._list)
        app.router.add_get(PREFIX + "/object/{bucket}/{path:.+}", self._download)
        app.router.add_post(PREFIX + "/object/{bucket}/{path:.+}", self._upload)
        app.router.add_put(PREFIX + "/object/{bucket}/{path:.+}", self._upload)
        app.router.add_delete(PREFIX + "/object/{bucket}", self._remove)
        app.router.add_get(PREFIX + "/bucket/{bucket}", self._bucket)
        return app

    async def _bucket(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(403, "Unauthorized", "invalid signature")
        name = request.match_info["bucket"]
        if name not in self.buckets:
            return _error(404, "Bucket not found", "Bucket not found")
        return web.json_response({"id": name, "name": name, **self.buckets[name]})

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.service_key}"

    async def _upload(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(403, "Unauthorized", "invalid signature")
        bucket, path = request.match_info["bucket"], request.match_info["path"]
        if bucket not in self.buckets:
            return _error(404, "Bucket not found", "Bucket not found")
        if self.fail_uploads > 0:
            self.fail_uploads -= 1
            return _error(500, "InternalError", "storage backend unavailable")
        key = f"{bucket}/{path}"
        upsert = request.headers.get("x-upsert") == "true" or request.method == "PUT"
        if key in self.objects and not upsert:
            return _error(409, "Duplicate", "The resource already exists")
        form = await request.post()
        part: Any = form["file"]
        self.objects[key] = StoredObject(part.file.read(), part.content_type, time.time())
        return web.json_response({"Key": key, "Id": secrets.token_hex(8)})

    async def _sign(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(403, "Unauthorized", "invalid signature")
        key = f"{request.match_info['bucket']}/{request.match_info['path']}"
        if key not in self.objects:
            return _error(404, "not_found", "Object not found")
        body = await request.json()
        token = secrets.token_urlsafe(16)
        self.tokens[token] = (key, time.time() + int(body["expiresIn"]))
        download = body.get("download")
        suffix = f"&download={download}" if isinstance(download, str) else ""
        return web.json_response({"signedURL": f"/object/sign/{key}?token={token}{suffix}"})

    async def _signed_download(self, request: web.Request) -> web.Response:
        key = f"{request.match_info['bucket']}/{request.match_info['path']}"
        found = self.tokens.get(request.query.get("token", ""))
        if found is None or found[0] != key or found[1] < time.time():
            return _error(400, "InvalidJWT", "jwt expired")
        obj = self.objects.get(key)
        if obj is None:
            return _error(404, "not_found", "Object not found")
        headers = {}
        if "download" in request.query:
            headers["Content-Disposition"] = f'attachment; filename="{request.query["download"]}"'
        return web.Response(body=obj.data, content_type=obj.content_type, headers=headers)

    async def _info(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(403, "Unauthorized", "invalid signature")
        key = f"{request.match_info['bucket']}/{request.match_info['path']}"
        obj = self.objects.get(key)
        if obj is None:
            return _error(404, "not_found", "Object not found")
        return web.json_response(
            {"name": request.match_info["path"], "size": len(obj.data), "content_type": obj.content_type}
        )

    async def _download(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(403, "Unauthorized", "invalid signature")
        obj = self.objects.get(f"{request.match_info['bucket']}/{request.match_info['path']}")
        if obj is None:
            return _error(404, "not_found", "Object not found")
        return web.Response(body=obj.data, content_type=obj.content_type)

    async def _list(self, request: web.Request) -> web.Response:
        """One level of the bucket under `prefix`: folders (id null) and files, as Storage lists them."""
        if not self._authorised(request):
            return _error(403, "Unauthorized", "invalid signature")
        body = await request.json()
        bucket, prefix = request.match_info["bucket"], body.get("prefix", "").strip("/")
        base = f"{bucket}/{prefix}/" if prefix else f"{bucket}/"
        entries: dict[str, dict[str, Any]] = {}
        for key, obj in sorted(self.objects.items()):
            if not key.startswith(base):
                continue
            name, _, rest = key[len(base) :].partition("/")
            created = dt.datetime.fromtimestamp(obj.created, dt.UTC).isoformat().replace("+00:00", "Z")
            entries[name] = (
                {"name": name, "id": None, "created_at": None}
                if rest
                else {"name": name, "id": secrets.token_hex(8), "created_at": created}
            )
        items = list(entries.values())
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 100))
        return web.json_response(items[offset : offset + limit])

    async def _remove(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(403, "Unauthorized", "invalid signature")
        bucket = request.match_info["bucket"]
        body = await request.json()
        removed = [p for p in body["prefixes"] if self.objects.pop(f"{bucket}/{p}", None) is not None]
        return web.json_response([{"name": p, "bucket_id": bucket} for p in removed])


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"statusCode": str(status), "error": code, "message": message}, status=status)

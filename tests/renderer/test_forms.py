"""Multipart forms read into memory as Gotenberg's routes take them, through a small app with the error middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import FormData, web

from renderer.errors import error_middleware
from renderer.forms import read_form
from tests.renderer.service import Client, error_of

LIMIT = 1024

AiohttpClient = Callable[[web.Application], Awaitable[Client]]


async def echo(request: web.Request) -> web.Response:
    form = await read_form(request, LIMIT)
    files = {name: [upload.field, upload.body.decode(), upload.content_type] for name, upload in form.files.items()}
    return web.json_response({"fields": form.fields, "files": files})


@pytest.fixture
async def client(aiohttp_client: AiohttpClient) -> Client:
    app = web.Application(middlewares=[error_middleware])
    app.router.add_post("/form", echo)
    return await aiohttp_client(app)


async def test_fields_by_name_and_files_by_file_name_in_order(client: Client) -> None:
    form = FormData()
    form.add_field("paperWidth", "8.5in")
    form.add_field("files", b"<p>hi</p>", filename="index.html", content_type="text/html")  # as curl sends it
    form.add_field("logo.png", b"PNG", filename="logo.png", content_type="image/png")  # as gotenberg-client does
    form.add_field("title", "Ünïcode ✓")

    response = await client.post("/form", data=form)

    assert await response.json() == {
        "fields": {"paperWidth": "8.5in", "title": "Ünïcode ✓"},
        "files": {"index.html": ["files", "<p>hi</p>", "text/html"], "logo.png": ["logo.png", "PNG", "image/png"]},
    }


@pytest.mark.parametrize(
    ("add", "status", "says"),
    [
        (
            lambda f: [f.add_field("a", b"1", filename="same.css"), f.add_field("b", b"2", filename="same.css")],
            400,
            "two files are named same.css",
        ),
        (lambda f: [f.add_field("scale", "1"), f.add_field("scale", "2")], 400, "scale is sent twice"),
        (lambda f: f.add_field("big", b"x" * (LIMIT + 1), filename="big.bin"), 413, f"larger than {LIMIT} bytes"),
    ],
)
async def test_bad_forms_are_refused_naming_the_problem(
    client: Client, add: Callable[[FormData], object], status: int, says: str
) -> None:
    form = FormData(default_to_multipart=True)
    add(form)

    response = await client.post("/form", data=form)

    assert response.status == status
    assert says in (await error_of(response))["message"]


@pytest.mark.parametrize("filename", ["../etc/passwd", "img/logo.png", "C:\\\\logo.png", "..", ""])
async def test_file_names_are_plain_names_in_one_folder(client: Client, filename: str) -> None:
    # By hand: aiohttp's client would percent-encode the slash, where curl and httpx send it as it is.
    body = (
        f'--b\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n\r\nx\r\n--b--\r\n'
    ).encode()

    response = await client.post("/form", data=body, headers={"Content-Type": "multipart/form-data; boundary=b"})

    assert response.status == 400
    assert "is not a plain file name" in (await error_of(response))["message"]


async def test_a_body_that_is_not_a_multipart_form_is_refused(client: Client) -> None:
    not_multipart = await client.post("/form", data=b"<p>hi</p>", headers={"Content-Type": "text/html"})
    broken = await client.post(
        "/form", data=b"--nope\r\nno headers\r\n", headers={"Content-Type": "multipart/form-data; boundary=other"}
    )
    no_boundary = await client.post("/form", data=b"x", headers={"Content-Type": "multipart/form-data"})

    assert not_multipart.status == 415
    assert [broken.status, no_boundary.status] == [400, 400]
    assert (await error_of(broken))["code"] == "invalid_form"


async def test_a_part_with_control_characters_in_its_headers_is_refused(client: Client) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="a\x05b"\r\n\r\nx\r\n--b--\r\n'  # found by schemathesis

    response = await client.post("/form", data=body, headers={"Content-Type": "multipart/form-data; boundary=b"})

    assert response.status == 400 and (await error_of(response))["code"] == "invalid_form"

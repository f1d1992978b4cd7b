"""Which Gotenberg form fields and files the routes take, without a browser: taken, taken at their default, refused."""

from __future__ import annotations

import pytest

from renderer.assets import INDEX
from renderer.errors import ApiError
from renderer.forms import Form, Upload
from renderer.gotenberg import HTML_FIELDS, MERGE_FIELDS, check_fields, html_job
from renderer.options import GOTENBERG, OptionError


def form(fields: dict[str, str] | None = None, /, **files: bytes) -> Form:
    uploads = {INDEX: b"<p>x</p>", **{name.replace("_", "."): body for name, body in files.items()}}
    return Form(dict(fields or {}), {name: Upload("files", name, body, None) for name, body in uploads.items()})


@pytest.mark.parametrize(
    "fields",
    [
        {"singlePage": "false", "omitBackground": "False", "emulatedMediaType": "print", "pdfa": "", "pdfua": "0"},
        {"skipNetworkIdleEvent": "true", "skipNetworkAlmostIdleEvent": "false"},  # nothing to wait for here
        {"failOnConsoleExceptions": "false", "failOnResourceLoadingFailed": "false", "flatten": "false"},
    ],
)
def test_gotenberg_fields_at_the_default_this_renderer_keeps_anyway_are_taken(fields: dict[str, str]) -> None:
    _, asked = html_job(form(fields))

    assert asked.options == GOTENBERG


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"singlePage": "true"}, "singlePage", "at its default (false)"),
        ({"emulatedMediaType": "screen"}, "emulatedMediaType", "at its default (print)"),
        ({"pdfa": "PDF/A-2b"}, "pdfa", "at its default (empty)"),
        ({"url": "http://127.0.0.1/"}, "url", "never goes to the network"),
        ({"extraHttpHeaders": '{"X": "1"}'}, "extraHttpHeaders", "never goes to the network"),
        ({"cookies": "[]"}, "cookies", "never goes to the network"),
        ({"waitDelay": "1s"}, "waitDelay", "is not a form field this route takes"),
        ({"headerTemplate": "<p>x</p>"}, "headerTemplate", "is not a form field"),  # a file, header.html, here
        ({"index.html": "<p>x</p>"}, "index.html", "must be sent as a file"),
    ],
)
def test_fields_it_does_not_offer_are_refused_by_name(fields: dict[str, str], field: str, says: str) -> None:
    with pytest.raises(OptionError) as caught:
        html_job(form(fields))

    assert caught.value.field == field and says in caught.value.message


def test_the_header_and_footer_files_become_chromium_s_templates_and_the_rest_assets() -> None:
    bundle, asked = html_job(form(header_html=b"<p>head</p>", footer_html=b"<p>foot</p>", logo_png=b"PNG"))

    assert (asked.options.header_template, asked.options.footer_template) == ("<p>head</p>", "<p>foot</p>")
    assert set(bundle.files) == {INDEX, "logo.png"}


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ({"header_html": b'<img src="http://127.0.0.1:9/x.png">'}, "header.html: may load nothing but data: URLs"),
        ({"footer_html": b"\xff\xfe"}, "footer.html: must be UTF-8 text"),
    ],
)
def test_templates_are_checked_under_their_file_names(files: dict[str, bytes], says: str) -> None:
    with pytest.raises(OptionError, match=says):
        html_job(form(**files))


def test_gotenberg_s_attachment_files_are_refused() -> None:
    with_embed = form()
    with_embed.files["invoice.xml"] = Upload("embeds", "invoice.xml", b"<x/>", None)

    with pytest.raises(OptionError, match="attachments are not offered"):
        html_job(with_embed)


def test_a_form_without_index_html_is_refused() -> None:
    without = Form({}, {"style.css": Upload("files", "style.css", b"", None)})

    with pytest.raises(ApiError) as caught:
        html_job(without)

    assert (caught.value.status, caught.value.field) == (400, INDEX)


def test_the_merge_route_takes_only_its_own_fields() -> None:
    check_fields({"metadata": "{}", "autoIndexBookmarks": "true", "pdfua": "false"}, MERGE_FIELDS)

    with pytest.raises(OptionError, match="paperWidth: is not a form field this route takes"):
        check_fields({"paperWidth": "8.5in"}, MERGE_FIELDS)
    assert "paperWidth" in HTML_FIELDS

"""Print options read from Gotenberg's field names: units, defaults, bounds, page ranges, and Playwright's arguments."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renderer.options import (
    EMPTY_TEMPLATE,
    GOTENBERG,
    INCHES_PER_UNIT,
    PLAIN,
    Margins,
    OptionError,
    read_flag,
    read_print_options,
)


@pytest.mark.parametrize(
    ("value", "inches"),
    [
        ("8.5", 8.5),
        ("8.5in", 8.5),
        ("8.5 IN", 8.5),
        ("215.9mm", 8.5),
        ("21.59cm", 8.5),
        ("612pt", 8.5),
        ("51pc", 8.5),  # picas: 6 to the inch
        ("816px", 8.5),  # CSS pixels: 96 to the inch
        (".5", 0.5),
        (8.5, 8.5),
        (11, 11.0),
    ],
)
def test_lengths_take_every_css_absolute_unit(value: object, inches: float) -> None:
    options = read_print_options({"paperWidth": value}, PLAIN)

    assert math.isclose(options.paper_width_in, inches)


@given(st.floats(min_value=0.01, max_value=100), st.sampled_from(sorted(INCHES_PER_UNIT)))
def test_any_length_in_any_unit_is_its_inches(number: float, unit: str) -> None:
    options = read_print_options({"marginTop": f"{number}{unit}", "paperHeight": "200in"}, GOTENBERG)

    assert math.isclose(options.margins.top, number * INCHES_PER_UNIT[unit])


@pytest.mark.parametrize(
    ("values", "field", "says"),
    [
        ({"paperWidth": "8.5em"}, "paperWidth", "unknown unit 'em'"),
        ({"paperWidth": "wide"}, "paperWidth", "must be a length"),
        ({"paperWidth": "-8.5"}, "paperWidth", "must be a length"),
        ({"paperWidth": "0"}, "paperWidth", "more than 0"),
        ({"paperHeight": "201in"}, "paperHeight", "at most 200 in"),
        ({"paperWidth": True}, "paperWidth", "must be a length"),
        ({"marginTop": "6in", "marginBottom": "5in"}, "marginTop", "no room"),
        ({"marginLeft": "5in", "marginRight": "3.5in"}, "marginLeft", "no room"),
        ({"landscape": "true", "marginTop": "4.5in", "marginBottom": "4in"}, "marginTop", "no room"),  # 8.5 in high
        ({"scale": "2.5"}, "scale", "from 0.1 to 2"),
        ({"scale": "0.05"}, "scale", "from 0.1 to 2"),
        ({"scale": "big"}, "scale", "from 0.1 to 2"),
        ({"scale": "nan"}, "scale", "from 0.1 to 2"),
        ({"landscape": "yes"}, "landscape", "true or false"),
        ({"printBackground": 1}, "printBackground", "true or false"),
        ({"nativePageRanges": "1-x"}, "nativePageRanges", "not a list of pages"),
        ({"nativePageRanges": "1,,3"}, "nativePageRanges", "not a list of pages"),
        ({"nativePageRanges": "-"}, "nativePageRanges", "not a list of pages"),
        ({"nativePageRanges": "0-2"}, "nativePageRanges", "numbered from 1"),
        ({"nativePageRanges": "5-3"}, "nativePageRanges", "ends before it starts"),
        ({"headerTemplate": 3}, "headerTemplate", "must be a string"),
    ],
)
def test_bad_values_name_their_field(values: dict[str, object], field: str, says: str) -> None:
    with pytest.raises(OptionError) as caught:
        read_print_options(values, GOTENBERG)

    assert caught.value.field == field
    assert says in caught.value.message and caught.value.message.startswith(f"{field}: ")


@pytest.mark.parametrize("ranges", ["1-5, 8, 11-13", "3-", "-3", "2", " 2 - 4 "])
def test_chromium_s_page_ranges_are_taken(ranges: str) -> None:
    assert read_print_options({"nativePageRanges": ranges}, GOTENBERG).page_ranges == ranges.strip()


@pytest.mark.parametrize(
    ("value", "flag"), [("true", True), ("True", True), ("1", True), ("t", True), ("false", False), ("0", False)]
)
def test_flags_are_read_as_gotenberg_reads_them(value: str, flag: bool) -> None:
    assert read_flag({"landscape": value}, "landscape", not flag) is flag


def test_empty_or_missing_fields_keep_the_route_s_defaults() -> None:
    assert read_print_options({}, GOTENBERG) == GOTENBERG
    assert read_print_options({"paperWidth": "", "scale": "", "landscape": ""}, GOTENBERG) == GOTENBERG
    assert read_print_options({}, PLAIN) == PLAIN


def test_gotenberg_s_defaults_are_letter_with_margins_and_ours_a4_without() -> None:
    assert (GOTENBERG.paper_width_in, GOTENBERG.paper_height_in) == (8.5, 11.0)
    assert GOTENBERG.margins == Margins(0.39, 0.39, 0.39, 0.39)
    assert not GOTENBERG.print_background and not GOTENBERG.prefer_css_page_size
    assert (PLAIN.paper_width_in, PLAIN.paper_height_in, PLAIN.margins) == (8.27, 11.7, Margins())
    assert PLAIN.print_background and PLAIN.prefer_css_page_size


def test_an_outline_brings_the_tags_it_is_built_from() -> None:
    options = read_print_options({"generateDocumentOutline": "true"}, GOTENBERG)

    assert options.outline and options.tagged
    assert read_print_options({"generateTaggedPdf": "true"}, GOTENBERG).outline is False


def test_playwright_arguments() -> None:
    options = read_print_options(
        {"paperWidth": "148mm", "marginLeft": "1in", "landscape": "true", "scale": "0.5", "nativePageRanges": "2-"},
        GOTENBERG,
    )

    arguments = options.pdf_arguments()

    assert math.isclose(float(arguments["width"].removesuffix("in")), 148 / 25.4)
    assert arguments["height"] == "11.0in"
    assert arguments["margin"] == {"top": "0.39in", "bottom": "0.39in", "left": "1.0in", "right": "0.39in"}
    assert (arguments["landscape"], arguments["scale"], arguments["page_ranges"]) == (True, 0.5, "2-")
    assert "display_header_footer" not in arguments


def test_a_footer_alone_comes_with_an_empty_header_not_chromium_s_own() -> None:
    arguments = read_print_options({"footerTemplate": "<p class=pageNumber></p>"}, GOTENBERG).pdf_arguments()

    assert arguments["display_header_footer"] is True
    assert arguments["header_template"] == EMPTY_TEMPLATE
    assert arguments["footer_template"] == "<p class=pageNumber></p>"

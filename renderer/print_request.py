"""What a print request asks for besides its document, read from a form, a query string or JSON by Gotenberg's
field names: the print options, JavaScript, an expression to wait for, and the document information."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from renderer.headers import check_template
from renderer.options import PRINT_FIELDS, OptionError, PrintOptions, read_flag, read_print_options, read_text
from renderer.pdfinfo import read_metadata

FIELDS = frozenset({*PRINT_FIELDS, "javascript", "waitForExpression", "metadata"})


@dataclass(frozen=True)
class PrintRequest:
    options: PrintOptions
    javascript: bool
    wait_for: str | None  # a JavaScript expression to wait for before printing
    info: dict[str, str]  # document information to write, none when empty


def read_print_request(values: Mapping[str, object], base: PrintOptions) -> PrintRequest:
    """The request `values` make over the route's `base` options; OptionError names the first thing wrong."""
    options = read_print_options(values, base)
    for name, template in (("headerTemplate", options.header_template), ("footerTemplate", options.footer_template)):
        if template is not None:
            check_template(name, template)  # Gotenberg's route checks them first, under their file names
    javascript = read_flag(values, "javascript", False)
    wait_for = read_text(values, "waitForExpression")
    if wait_for is not None and not javascript:
        raise OptionError("waitForExpression", "needs JavaScript, which is off unless javascript is true as well")
    return PrintRequest(options, javascript, wait_for, read_metadata(values.get("metadata")))


def check_names(values: Mapping[str, object], taken: frozenset[str]) -> None:
    """OptionError for the first name that is not one of `taken`."""
    for name in values:
        if name not in taken:
            raise OptionError(name, f"is not one this route takes ({', '.join(sorted(taken))})")

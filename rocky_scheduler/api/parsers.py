"""A JSON parser that refuses oversized bodies (413) and malformed JSON (400) before anything runs."""

import json
import math

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from rocky_scheduler.api.errors import PayloadTooLarge
from rocky_scheduler.conf import app_settings
from rocky_scheduler.jsontext import contains_nul, contains_surrogate

BODY_TOO_LARGE = _("Request body larger than {limit} bytes.")
BODY_NOT_UTF8 = _("Request body is not valid UTF-8.")
BODY_NOT_JSON = _("Malformed JSON: {error}")
BODY_TOO_DEEP = _("Malformed JSON: nested too deeply.")
BODY_HAS_NUL = _("Strings in the body must not contain NUL (\\u0000) characters.")
BODY_HAS_SURROGATE = _("Strings in the body must not contain unpaired UTF-16 surrogates (\\ud800-\\udfff).")
# A lone surrogate escape (`"\\ud800"`) is valid JSON and a valid Python string, but no UTF-8 text:
# PostgreSQL's jsonb refuses it and psycopg2 cannot even encode it into a query.


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = app_settings.MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(BODY_TOO_LARGE.format(limit=limit))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(BODY_NOT_UTF8) from None
        try:
            parsed = json.loads(text, parse_constant=_reject_constant, parse_float=finite_float)
        except RecursionError:
            raise ParseError(BODY_TOO_DEEP) from None
        except ValueError as error:
            raise ParseError(BODY_NOT_JSON.format(error=error)) from None
        if "\\u0000" in text.lower() and contains_nul(parsed):
            raise ParseError(BODY_HAS_NUL)
        if "\\ud" in text.lower() and contains_surrogate(parsed):
            raise ParseError(BODY_HAS_SURROGATE)
        return parsed


def _reject_constant(name: str) -> None:
    # NaN and Infinity are not JSON and PostgreSQL's jsonb refuses them.
    raise ValueError(f"{name} is not valid JSON")


def finite_float(text: str) -> float:
    """A JSON number as a float, refused when it overflows to infinity (`1e400`).

    Python reads such a literal as `inf`, which jsonb refuses when the row is written: a database
    error, a 500 in the API and a dead letter for the wrong reason in the consumer.
    """
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value

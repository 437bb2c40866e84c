"""A JSON parser that refuses oversized bodies (413) and malformed JSON (400) before anything runs."""

from collections.abc import Mapping
from typing import IO, Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from rocky_scheduler.api.errors import PayloadTooLarge
from rocky_scheduler.conf import app_settings
from rocky_scheduler.jsontext import JSONRefusal, Refusal, decode_json

BODY_TOO_LARGE = _("Request body larger than {limit} bytes.")
BODY_NOT_UTF8 = _("Request body is not valid UTF-8.")
BODY_NOT_JSON = _("Malformed JSON: {error}")
BODY_TOO_DEEP = _("Malformed JSON: nested too deeply.")
BODY_HAS_NUL = _("Strings in the body must not contain NUL (\\u0000) characters.")
BODY_HAS_SURROGATE = _("Strings in the body must not contain unpaired UTF-16 surrogates (\\ud800-\\udfff).")
# A lone surrogate escape (`"\\ud800"`) is valid JSON and a valid Python string, but no UTF-8 text:
# PostgreSQL's jsonb refuses it and psycopg2 cannot even encode it into a query.


_MESSAGES = {
    Refusal.NOT_UTF8: BODY_NOT_UTF8,
    Refusal.TOO_DEEP: BODY_TOO_DEEP,
    Refusal.HAS_NUL: BODY_HAS_NUL,
    Refusal.HAS_SURROGATE: BODY_HAS_SURROGATE,
}


class LimitedJSONParser(JSONParser):
    def parse(
        self, stream: IO[Any] | None, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        limit = app_settings.MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(BODY_TOO_LARGE.format(limit=limit))
        try:
            return decode_json(raw)
        except JSONRefusal as refusal:
            if refusal.reason is Refusal.NOT_JSON:
                raise ParseError(BODY_NOT_JSON.format(error=refusal.error)) from None
            raise ParseError(_MESSAGES[refusal.reason]) from None

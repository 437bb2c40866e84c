"""From an AMQP message body to the payload ingest_message takes, refused on the same grounds as HTTP ingest."""

from typing import Any

from rocky_scheduler.jsontext import JSONRefusal, Refusal, decode_json

NOT_UTF8 = "message body is not UTF-8: {error}"
NOT_JSON = "message body is not JSON: {error}"
TOO_DEEP = "message body is not JSON: nested too deeply"
HAS_NUL = "message strings must not contain NUL (\\u0000) characters"
HAS_SURROGATE = "message strings must not contain unpaired UTF-16 surrogates (\\ud800-\\udfff)"
# `"\\ud800"` is valid JSON but no UTF-8 text: jsonb refuses it, psycopg2 cannot encode it.


class MalformedBody(Exception):
    """The body could not be turned into a payload; the message is dead-lettered."""


_REASONS = {Refusal.TOO_DEEP: TOO_DEEP, Refusal.HAS_NUL: HAS_NUL, Refusal.HAS_SURROGATE: HAS_SURROGATE}


def decode_body(body: bytes) -> Any:
    """The JSON payload of `body`; MalformedBody (its message is the reason) when there is none."""
    try:
        return decode_json(body)
    except JSONRefusal as refusal:
        if refusal.reason is Refusal.NOT_UTF8:
            raise MalformedBody(NOT_UTF8.format(error=refusal.error)) from None
        if refusal.reason is Refusal.NOT_JSON:
            raise MalformedBody(NOT_JSON.format(error=refusal.error)) from None
        raise MalformedBody(_REASONS[refusal.reason]) from None

"""From an AMQP message body to the payload ingest_message takes, refused on the same grounds as HTTP ingest."""

import json
import math
from typing import Any

from rocky_scheduler.jsontext import contains_nul, contains_surrogate

NOT_UTF8 = "message body is not UTF-8: {error}"
NOT_JSON = "message body is not JSON: {error}"
TOO_DEEP = "message body is not JSON: nested too deeply"
HAS_NUL = "message strings must not contain NUL (\\u0000) characters"
HAS_SURROGATE = "message strings must not contain unpaired UTF-16 surrogates (\\ud800-\\udfff)"
# `"\\ud800"` is valid JSON but no UTF-8 text: jsonb refuses it, psycopg2 cannot encode it.


class MalformedBody(Exception):
    """The body could not be turned into a payload; the message is dead-lettered."""


def decode_body(body: bytes) -> Any:
    """The JSON payload of `body`; MalformedBody (its message is the reason) when there is none."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedBody(NOT_UTF8.format(error=error)) from None
    try:
        payload = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise MalformedBody(TOO_DEEP) from None
    except ValueError as error:
        raise MalformedBody(NOT_JSON.format(error=error)) from None
    # PostgreSQL stores no NUL in text or jsonb: refuse it here, not with a driver error mid-transaction.
    if "\\u0000" in text.lower() and contains_nul(payload):
        raise MalformedBody(HAS_NUL)
    if "\\ud" in text.lower() and contains_surrogate(payload):
        raise MalformedBody(HAS_SURROGATE)
    return payload


def _reject_constant(name: str) -> None:
    # NaN and Infinity are not JSON, and jsonb refuses them.
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    # `1e400` reads as inf, which jsonb refuses: a database error mid-transaction instead of a clear reason.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value

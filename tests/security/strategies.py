"""Hypothesis strategies for ingest messages: valid ones with what they must schedule, and malformed ones.

A strategy draws a `Spec` (which queue, which defect, which extras); `Spec.build(marker)` turns it into
the bytes to send, with a marker unique to this run inside (the OOI primary key or the raw file id), so
a test can look up exactly what one message did, or prove that a refused one did nothing at all.

What "valid" means is decided here, from OpenKAT's message shapes and the demo catalogue of DESIGN.md,
not by asking the code under test.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.ingest.payloads import mutation, raw_file

MUTATIONS = "mutations"
RAW_FILES = "raw_files"

# The demo catalogue (DESIGN.md "Running it"): boefje -> (scan level, object types it consumes).
DEMO_BOEFJES = {
    "dns-records": (1, {"Hostname"}),
    "nmap": (2, {"IPAddressV4", "IPAddressV6"}),
    "ssl-certificates": (2, {"Website"}),
    "nuclei": (3, {"Website", "HostnameHTTPURL"}),
}
DEMO_NORMALIZERS = {"boefje/dns-records": "kat_dns_normalize", "boefje/nmap": "kat_nmap_normalize"}
ORGANISATIONS = ("acme", "globex")

# Text any database column can hold: no NUL, no lone surrogates (the utf-8 codec has none).
STORABLE_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | STORABLE_TEXT
)
STORABLE_JSON = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(STORABLE_TEXT, children, max_size=3),
    max_leaves=8,
)
# Unknown fields a publisher may add; prefixed so they never collide with a field we read.
EXTRAS = st.dictionaries(STORABLE_TEXT.map(lambda key: "x_" + key), STORABLE_JSON, max_size=3)


@dataclass(frozen=True)
class Expectation:
    """What a valid message schedules: plugin ids of the tasks found by `lookup` (may be none)."""

    lookup: dict[str, str]
    plugins: frozenset[str]


@dataclass(frozen=True)
class Message:
    queue: str
    body: bytes
    # What the message schedules when it is accepted (None for a malformed one).
    expectation: Expectation | None
    marker: str


@dataclass(frozen=True)
class Spec:
    queue: str
    kind: str
    valid: bool
    # A list of valid messages is a valid HTTP body but no valid AMQP message.
    valid_over_http: bool
    make: Callable[[str], tuple[bytes, Expectation | None]] = field(repr=False)

    def build(self, marker: str | None = None) -> Message:
        marker = marker or uuid.uuid4().hex
        body, expectation = self.make(marker)
        return Message(self.queue, body, expectation, marker)


def encode(message: Any) -> bytes:
    return json.dumps(message).encode()


def primary_key(object_type: str, marker: str) -> str:
    return f"{object_type}|internet|{marker}.example.com"


# --- valid messages ---------------------------------------------------------------------------------


@st.composite
def valid_mutations(draw: st.DrawFn) -> Spec:
    object_type = draw(st.sampled_from(["Hostname", "IPAddressV4", "Website", "HostnameHTTPURL", "Unmodelled"]))
    level = draw(st.integers(min_value=0, max_value=4))
    organisation = draw(st.sampled_from(ORGANISATIONS))
    operation = draw(st.sampled_from(["create", "update", "delete"]))
    top, value, profile = draw(EXTRAS), draw(EXTRAS), draw(EXTRAS)

    def make(marker: str) -> tuple[bytes, Expectation]:
        key = primary_key(object_type, marker)
        message = mutation(
            primary_key=key, object_type=object_type, level=level, operation=operation, organisation=organisation
        )
        message.update(top)
        if message["value"] is not None:
            message["value"].update(value)
            message["value"]["scan_profile"].update(profile)
        plugins = frozenset(
            plugin
            for plugin, (plugin_level, consumes) in DEMO_BOEFJES.items()
            if operation != "delete" and object_type in consumes and level >= plugin_level
        )
        return encode(message), Expectation({"data__input_ooi": key}, plugins)

    return Spec(MUTATIONS, f"valid {operation} {object_type} L{level}", True, True, make)


@st.composite
def valid_raw_files(draw: st.DrawFn) -> Spec:
    mime_types = draw(
        st.lists(st.sampled_from(["boefje/dns-records", "boefje/nmap", "text/plain", "error/timeout"]), max_size=3)
    )
    organisation = draw(st.sampled_from(ORGANISATIONS))
    top, raw_extras = draw(EXTRAS), draw(EXTRAS)

    def make(marker: str) -> tuple[bytes, Expectation]:
        message = raw_file(mime_types=mime_types, organisation=organisation)
        message["raw_data"]["id"] = marker
        message.update(top)
        message["raw_data"].update(raw_extras)
        errors = any(mime_type.startswith("error/") for mime_type in mime_types)
        plugins = frozenset() if errors else frozenset(DEMO_NORMALIZERS[m] for m in mime_types if m in DEMO_NORMALIZERS)
        return encode(message), Expectation({"data__raw_data__id": marker}, plugins)

    return Spec(RAW_FILES, f"valid raw {mime_types}", True, True, make)


VALID = valid_mutations() | valid_raw_files()


# --- malformed messages -----------------------------------------------------------------------------

# Near-valid: one field of a valid message set to something our parser must refuse.
# (path from the message root, the replacement; `DELETE` removes the field)
DELETE = object()
MUTATION_DEFECTS: list[tuple[tuple[str, ...], Any]] = [
    (("client_id",), DELETE),
    (("client_id",), ""),
    (("client_id",), None),
    (("client_id",), ["acme"]),
    (("client_id",), "o" * 256),
    (("operation",), "upsert"),
    (("operation",), None),
    (("operation",), 1),
    (("value",), None),
    (("value",), []),
    (("value",), "Hostname|internet|x"),
    (("value", "primary_key"), ""),
    (("value", "primary_key"), None),
    (("value", "primary_key"), "p" * 1025),
    (("value", "object_type"), DELETE),
    (("value", "object_type"), {}),
    (("value", "object_type"), "t" * 256),
    (("value", "scan_profile"), None),
    (("value", "scan_profile"), "L1"),
    (("value", "scan_profile", "level"), 5),
    (("value", "scan_profile", "level"), -1),
    (("value", "scan_profile", "level"), True),
    (("value", "scan_profile", "level"), 1.5),
    (("value", "scan_profile", "level"), "1"),
    (("value", "scan_profile", "level"), None),
    (("value", "scan_profile", "level"), 10**30),
]
RAW_DEFECTS: list[tuple[tuple[str, ...], Any]] = [
    (("raw_data",), DELETE),
    (("raw_data",), []),
    (("raw_data", "id"), DELETE),
    (("raw_data", "id"), ""),
    (("raw_data", "id"), None),
    (("raw_data", "boefje_meta"), DELETE),
    (("raw_data", "boefje_meta"), "meta"),
    (("raw_data", "boefje_meta", "id"), DELETE),
    (("raw_data", "boefje_meta", "id"), ""),
    (("raw_data", "mime_types"), "boefje/dns-records"),
    (("raw_data", "mime_types"), {"value": "boefje/dns-records"}),
    (("raw_data", "mime_types", 0), "boefje/dns-records"),
    (("raw_data", "mime_types", 0, "value"), None),
    (("organization",), "o" * 256),
]


def _apply(message: dict, path: tuple, replacement: Any) -> None:
    *parents, last = path
    target = message
    for key in parents:
        target = target[key]
    if replacement is DELETE:
        del target[last]
    else:
        target[last] = replacement


def _valid_message(queue: str, marker: str) -> dict:
    if queue == MUTATIONS:
        return mutation(primary_key=primary_key("Hostname", marker), level=1)
    message = raw_file(mime_types=["boefje/dns-records"])
    message["raw_data"]["id"] = marker
    # The organisation is read from either place: a defect in the top-level one must not be covered.
    del message["raw_data"]["boefje_meta"]["organization"]
    return message


def field_defect(queue: str, path: tuple, replacement: Any, extras: dict | None = None) -> Spec:
    def make(marker: str) -> tuple[bytes, None]:
        message = _valid_message(queue, marker)
        message.update(extras or {})
        _apply(message, path, replacement)
        return encode(message), None

    label = "deleted" if replacement is DELETE else repr(replacement)[:20]
    return Spec(queue, f"{'.'.join(map(str, path))} = {label}", False, False, make)


@st.composite
def near_valid_defects(draw: st.DrawFn) -> Spec:
    queue = draw(st.sampled_from([MUTATIONS, RAW_FILES]))
    path, replacement = draw(st.sampled_from(MUTATION_DEFECTS if queue == MUTATIONS else RAW_DEFECTS))
    return field_defect(queue, path, replacement, draw(EXTRAS))


# Byte-level defects of an otherwise valid message: (name, how the JSON text is spoiled)
def _insert_literal(literal: str) -> Callable[[str], str]:
    # Into the top-level object as an unknown field, so only the literal itself is at fault.
    return lambda text: text[:-1] + ', "x_spoiled": ' + literal + "}"


TEXT_DEFECTS: list[tuple[str, Callable[[str], str]]] = [
    ("NaN", _insert_literal("NaN")),
    ("Infinity", _insert_literal("Infinity")),
    ("-Infinity", _insert_literal("-Infinity")),
    ("1e400", _insert_literal("1e400")),
    ("-1e999", _insert_literal("-1e999")),
    ("5000-digit integer", _insert_literal("1" * 5000)),
    ("NUL", _insert_literal('"a\\u0000b"')),
    ("NUL in a key", lambda text: text[:-1] + ', "x_\\u0000": 1}'),
    ("lone surrogate", _insert_literal('"\\ud800"')),
    ("lone low surrogate in a key", lambda text: text[:-1] + ', "x_\\udc00": 1}'),
    ("deep nesting", _insert_literal("[" * 5000 + "]" * 5000)),
    ("trailing garbage", lambda text: text + "}"),
    ("single quotes", lambda text: text.replace('"', "'")),
]


def text_defect(queue: str, name: str, spoil: Callable[[str], str]) -> Spec:
    def make(marker: str) -> tuple[bytes, None]:
        return spoil(json.dumps(_valid_message(queue, marker))).encode(), None

    return Spec(queue, name, False, False, make)


@st.composite
def spoiled_text(draw: st.DrawFn) -> Spec:
    name, spoil = draw(st.sampled_from(TEXT_DEFECTS))
    return text_defect(draw(st.sampled_from([MUTATIONS, RAW_FILES])), name, spoil)


@st.composite
def spoiled_bytes(draw: st.DrawFn) -> Spec:
    """Not UTF-8 (a stray byte), or cut short: a prefix of a JSON object is never JSON."""
    queue = draw(st.sampled_from([MUTATIONS, RAW_FILES]))
    fraction = draw(st.floats(min_value=0, max_value=0.999))
    stray = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]))
    cut = draw(st.booleans())

    def make(marker: str) -> tuple[bytes, None]:
        body = encode(_valid_message(queue, marker))
        position = int(len(body) * fraction)
        return (body[:position] if cut else body[:position] + stray + body[position:]), None

    return Spec(queue, "truncated" if cut else f"stray byte {stray!r}", False, False, make)


@st.composite
def garbage(draw: st.DrawFn) -> Spec:
    """Anything but an object: random bytes, JSON scalars and arrays, deep arrays."""
    queue = draw(st.sampled_from([MUTATIONS, RAW_FILES]))
    depth = draw(st.integers(min_value=1, max_value=20_000))
    body = draw(
        st.binary(max_size=64)
        | st.sampled_from([b"", b"null", b"true", b"5", b'"text"', b"[]", b"{}", b"[{}]"])
        | st.just(b"[" * depth + b"]" * depth)
        | STORABLE_JSON.filter(lambda value: not isinstance(value, dict) or not value).map(encode)
    )
    return Spec(queue, "garbage", False, False, lambda marker: (body, None))


@st.composite
def valid_messages_as_a_list(draw: st.DrawFn) -> Spec:
    """Fine over HTTP (a batch), but an AMQP message is one object."""
    spec = draw(VALID)

    def make(marker: str) -> tuple[bytes, Expectation | None]:
        body, expectation = spec.make(marker)
        return b"[" + body + b"]", expectation

    return Spec(spec.queue, "list of one " + spec.kind, False, True, make)


MALFORMED = near_valid_defects() | spoiled_text() | spoiled_bytes() | garbage()
# Malformed as an AMQP message (one object per message), whatever HTTP would make of it.
MALFORMED_OVER_AMQP = MALFORMED | valid_messages_as_a_list()
ANY_SPEC = VALID | MALFORMED_OVER_AMQP


def every_defect() -> list[Spec]:
    """Each named defect once per queue it applies to: the cases random drawing might leave out."""
    specs = [field_defect(MUTATIONS, path, replacement) for path, replacement in MUTATION_DEFECTS]
    specs += [field_defect(RAW_FILES, path, replacement) for path, replacement in RAW_DEFECTS]
    specs += [text_defect(queue, name, spoil) for queue in (MUTATIONS, RAW_FILES) for name, spoil in TEXT_DEFECTS]
    return specs

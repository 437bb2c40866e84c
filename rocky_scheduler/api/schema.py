"""How the API describes itself with drf-spectacular, independent of the host's settings.

The host's DRF DEFAULT_SCHEMA_CLASS and SPECTACULAR_SETTINGS are the host's (Rocky's may be anything, or
absent): the views use drf-spectacular's AutoSchema explicitly, `extend_schema` here bases its decorations on
it, and the schema view (api/views/schema.py) applies SPECTACULAR for the app's document only.
"""

from collections.abc import Callable
from typing import Any

from drf_spectacular import utils
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

TITLE = "rocky_scheduler API"
# drf-spectacular's settings for the app's document, whatever the host's SPECTACULAR_SETTINGS say.
SPECTACULAR: dict[str, Any] = {
    "TITLE": TITLE,
    "DESCRIPTION": (
        "OpenKAT-compatible scheduler API. A boefje runner pops tasks from a scheduler, reports them `running`, "
        "then `completed` or `failed`; Rocky and other clients push tasks, list them and manage schedules. "
        "Send `Authorization: Token <key>` (`manage.py scheduler_user NAME --role worker` makes a worker and "
        "its key). Every error is JSON with a `detail` sentence."
    ),
    "VERSION": "1.0.0",
    "PREPROCESSING_HOOKS": ["rocky_scheduler.api.schema.strip_optional_slash"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
    # Tags from the first part after the prefix (estimated from the paths).
    "SCHEMA_PATH_PREFIX": None,
    "SCHEMA_PATH_PREFIX_TRIM": False,
    "SERVERS": [],
    "CAMELIZE_NAMES": False,
    "COMPONENT_SPLIT_REQUEST": False,
    "AUTHENTICATION_WHITELIST": None,
    "RENDERER_WHITELIST": None,
    "PARSER_WHITELIST": None,
    "ENUM_NAME_OVERRIDES": {},
    "OAS_VERSION": "3.0.3",
}


def strip_optional_slash(endpoints: list, **kwargs: Any) -> list:
    """Document the canonical paths, without the optional trailing slash.

    The root stays `/`: with the mount prefix before it, it is the prefix as the host wrote it (`/api/v1/`),
    which the include always answers (without the slash only if the host also routes that).
    """
    return [(path.rstrip("/") or "/", regex, method, callback) for path, regex, method, callback in endpoints]


class SchedulerTokenScheme(OpenApiAuthenticationExtension):
    """The scheduler's own tokens, `Authorization: Token <key>`, whatever their class derives from."""

    target_class = "rocky_scheduler.api.authentication.CachedTokenAuthentication"
    name = "tokenAuth"
    match_subclasses = True
    priority = 1

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=getattr(self.target, "keyword", "Token")
        )


def extend_schema(**kwargs: Any) -> Callable:
    """drf-spectacular's `extend_schema` for a view method, based on drf-spectacular's AutoSchema.

    drf-spectacular bases a decorated method's schema on a `schema` attribute of the function, else on DRF's
    DEFAULT_SCHEMA_CLASS, which a host without drf-spectacular leaves at DRF's own (and its schema is a 500).
    """
    decorate = utils.extend_schema(**kwargs)

    def decorator(view_method: Callable) -> Callable:
        # An attribute set on a function object for the duration of the call: the type checker knows of none.
        view_method.schema = AutoSchema  # type: ignore[attr-defined]
        try:
            return decorate(view_method)
        finally:
            del view_method.schema  # type: ignore[attr-defined]

    return decorator


# What each error status means for any call that lists it; an operation may say more (errors(_409=...)).
ERROR_MEANINGS = {
    400: "The body or a parameter is invalid: `detail` says how and `field` names it.",
    401: "No token, or an unknown one: send `Authorization: Token <key>`.",
    403: "The token's user lacks the permission this call needs.",
    409: "The change conflicts with the task's state; `Retry-After` says when a retry may succeed.",
    413: "The body is larger than the scheduler accepts (MAX_BODY_BYTES).",
    429: "The scheduler's queue is full (`detail` gives the count and the limit); retry after `Retry-After` seconds.",
    503: "KATalogus or Octopoes did not answer; nothing was changed: send it again after `Retry-After` seconds.",
}
# What each answer looks like, in the messages the code sends (rocky_scheduler/errors.py and the API's own).
ERROR_EXAMPLES = {
    400: {"detail": "data.boefje.id must be a non-empty string.", "field": "data.boefje.id"},
    401: {"detail": "Invalid token."},
    403: {"detail": "You do not have permission to perform this action."},
    409: {"detail": "A task with this hash is already queued on scheduler 'boefje'."},
    413: {"detail": "Request body larger than 1048576 bytes."},
    429: {"detail": "Scheduler 'boefje' is full: 37 tasks queued, its limit is 1; retry later."},
    503: {"detail": "The catalogue did not answer (KATalogus: timed out); send the event again shortly."},
}
# What a 404 is about: (meaning, example) per kind of thing the path or a filter names.
_NO_SCHEDULER = {"detail": "Scheduler 'nope' does not exist.", "field": "scheduler_id"}
_SOME_ID = "5d1f0c1e-0000-4000-8000-000000000000"
NOT_FOUND = {
    "scheduler": ("No scheduler with this id.", _NO_SCHEDULER),
    "filter": ("`scheduler_id` names no scheduler.", _NO_SCHEDULER),
    "task": ("No task with this id.", {"detail": f"Task {_SOME_ID} does not exist.", "field": "id"}),
    "schedule": ("No schedule with this id.", {"detail": f"Schedule {_SOME_ID} does not exist.", "field": "id"}),
    "plugin": (
        "The catalogue has no plugin with this id.",
        {"detail": "Plugin 'nmap' does not exist in the catalogue.", "field": "plugin_id"},
    ),
}
# Every call that needs a token; a call with a body can also be malformed (400) or too large (413).
AUTHENTICATED = (401, 403)
WITH_BODY = (400, 401, 403, 413)


def errors(*codes: int, missing: str | None = None, **meanings: str) -> dict[int, OpenApiResponse]:
    """The error responses of an operation, each a `{"detail": ...}` body with an example.

    `missing` says what a 404 is about (a key of NOT_FOUND) and adds it; `_403="..."` says more about one status.
    """
    from rocky_scheduler.api.serializers import ErrorSerializer

    said = {int(key.lstrip("_")): text for key, text in meanings.items()}
    known = dict(ERROR_MEANINGS)
    examples = dict(ERROR_EXAMPLES)
    if missing is not None:
        known[404], examples[404] = NOT_FOUND[missing]
        codes = (*codes, 404)
    return {
        code: OpenApiResponse(
            ErrorSerializer,
            description=said.get(code, known[code]),
            examples=[OpenApiExample(f"{code}", value=examples[code], status_codes=[str(code)], response_only=True)],
        )
        for code in sorted(set(codes))
    }

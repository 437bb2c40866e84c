"""The few SQL pieces Django has no lookup for. Their SQL is fixed text; every value is a parameter."""

from typing import Any, NoReturn

from django.db import NotSupportedError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Func, Q, TextField
from django.db.models.lookups import Contains, IContains, PatternLookup
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.errors import InvalidInput

JSON_CONTAINMENT_UNSUPPORTED = _("{where}: JSON containment ({operator!r}) needs PostgreSQL; this database lacks it.")


class Like(Contains):
    """`lhs LIKE pattern` with the client's pattern as is (already checked by `values.as_like_pattern`).

    Django's own pattern lookups escape `%` and `_`; this one must not, so it reuses their SQL
    (and each backend's escape clause) but skips that step.
    """

    def process_rhs(self, qn: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        return super(PatternLookup, self).process_rhs(qn, connection)


class ILike(IContains):
    """Case-insensitive `Like`, compared the way Django compares `icontains` on each backend."""

    def process_rhs(self, qn: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, Any]:
        return super(PatternLookup, self).process_rhs(qn, connection)


class JSONText(Func):
    """A JSON path's value as text on every backend.

    PostgreSQL's `->>` already gives text, but SQLite's JSON_EXTRACT returns numbers as numbers,
    which never equal a string there; the cast makes `"5"` match a stored 5 on both.
    """

    template = "%(expressions)s"
    output_field = TextField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Any]:
        return super().as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra_context)


class IsJSONNumber(Func):
    """True when a JSON path holds a number.

    Ordering comparisons need it: PostgreSQL sorts every JSON string before every number and SQLite
    every number before every string, so without it `gt 5` would match strings on one of them.
    """

    output_field = BooleanField()

    def as_sql(self, *args: Any, **extra_context: Any) -> NoReturn:
        raise NotSupportedError("Numeric comparisons on JSON paths support PostgreSQL and SQLite only.")

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Any]:
        template = "(jsonb_typeof(%(expressions)s) = 'number')"
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Any]:
        # Django's SQLite key transform yields JSON_EXTRACT's SQL value for numbers.
        template = "(typeof(%(expressions)s) IN ('integer', 'real'))"
        return super().as_sql(compiler, connection, template=template, **extra_context)


def require_json_containment(operator: str, where: str) -> None:
    """Refuse `@>`/`<@` up front where Django would only fail when the query runs (SQLite)."""
    if not connection.features.supports_json_field_contains:
        raise InvalidInput(JSON_CONTAINMENT_UNSUPPORTED.format(where=where, operator=operator), field=where)


def never() -> Q:
    """A condition no row meets, for `in []`.

    Django's own `in []` raises EmptyResultSet when compiled, which the pop claim (compiling its
    candidate query into raw SQL) would not survive; `id IS NULL` is simply false.
    """
    return Q(pk__isnull=True)

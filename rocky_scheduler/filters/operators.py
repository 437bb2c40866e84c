"""Operator names of OpenKAT's filter language, their symbols, and which ones are negations."""

EQ = "eq"
NE = "ne"
GT = "gt"
LT = "lt"
GTE = "gte"
LTE = "lte"
IN = "in"
NOT_IN = "not_in"
LIKE = "like"
NOT_LIKE = "not_like"
ILIKE = "ilike"
NOT_ILIKE = "not_ilike"
CONTAINS = "contains"
STARTS_WITH = "starts_with"
IS_NULL = "is_null"
IS_NOT_NULL = "is_not_null"
# PostgreSQL's JSON containment operators; OpenKAT has no word for them.
JSON_CONTAINS = "@>"
JSON_CONTAINED_BY = "<@"

SYMBOLS = {"==": EQ, "!=": NE, ">": GT, "<": LT, ">=": GTE, "<=": LTE, "is": EQ, "is_not": NE}

# A negated operator is built as NOT(its positive form), so each builder only knows the positive ones
# and NULL handling is decided in one place.
NEGATIONS = {NE: EQ, NOT_IN: IN, NOT_LIKE: LIKE, NOT_ILIKE: ILIKE, IS_NOT_NULL: IS_NULL}

POSITIVE = (
    EQ,
    GT,
    LT,
    GTE,
    LTE,
    IN,
    LIKE,
    ILIKE,
    CONTAINS,
    STARTS_WITH,
    IS_NULL,
    JSON_CONTAINS,
    JSON_CONTAINED_BY,
)
ALL_NAMES = (*POSITIVE, *NEGATIONS, *SYMBOLS)


def normalise(name: str) -> tuple[str, bool] | None:
    """The positive operator behind `name` and whether it is negated; None for an unknown name."""
    name = SYMBOLS.get(name, name)
    if name in NEGATIONS:
        return NEGATIONS[name], True
    if name in POSITIVE:
        return name, False
    return None


def spell(positive: tuple[str, ...]) -> list[str]:
    """Every accepted name of these positive operators, negations included (for error messages)."""
    negated = [negation for negation, base in NEGATIONS.items() if base in positive]
    return [*positive, *negated]

"""drf-spectacular hook: document the canonical paths, without the optional trailing slash."""


def strip_optional_slash(endpoints: list, **kwargs) -> list:
    return [(path.rstrip("/") or "/", regex, method, callback) for path, regex, method, callback in endpoints]

"""A WSGI app that answers every request with a constant: what gunicorn and the clients cost alone.

bench/http_profile.py serves it with the same gunicorn settings as the scheduler, so the
difference per request is what Django, DRF, the scheduler and PostgreSQL add.
"""

BODY = b'{"ok": true}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ: dict, start_response) -> list[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]

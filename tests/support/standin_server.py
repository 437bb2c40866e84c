"""A real HTTP/1.1 server on 127.0.0.1 in a thread, for stand-ins of OpenKAT's services.

It counts requests and connections (cache and keep-alive tests), and can be taken down: "refused"
closes the listening socket and every open connection (the service is gone), "503" answers every
request with 503, "garbage" with HTML instead of JSON, and `delay` makes every answer late (a hanging
service).
"""

import json
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

JSON_HEADERS = {"Content-Type": "application/json"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        # A client that timed out and left is what some tests do on purpose.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: with Nagle each answer on a kept-alive connection waits 40 ms
    # for the client's delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.standin._opened(self.connection)

    def finish(self) -> None:
        self.server.standin._closed(self.connection)
        super().finish()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        standin = self.server.standin
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        standin._record(path)
        if standin.delay:
            time.sleep(standin.delay)
        if standin.mode == "refused":
            self.close_connection = True
            return
        if standin.mode == "503":
            status, body = 503, {"detail": "Service Unavailable"}
        else:
            status, body = standin.answer(path, parse_qs(parts.query))
        # "garbage": a proxy's error page where JSON was expected.
        payload = b"<html>Bad Gateway</html>" if standin.mode == "garbage" else json.dumps(body).encode()
        self.send_response(status)
        for name, value in JSON_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args) -> None:  # noqa: A002 - http.server's signature
        pass


class StandInServer:
    name = "stand-in"

    def __init__(self) -> None:
        self.port = 0
        self.mode = "up"
        self.delay = 0.0
        self.paths: Counter[str] = Counter()
        self.connections = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> int:
        with self._lock:
            return sum(self.paths.values())

    def requests_to(self, prefix: str) -> int:
        with self._lock:
            return sum(count for path, count in self.paths.items() if path.startswith(prefix))

    def start(self) -> "StandInServer":
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.standin = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        self.mode = "up"
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        with self._lock:
            # Kept-alive connections would otherwise go on being served by their handler threads.
            for connection in list(self._open):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def down(self, how: str = "refused") -> None:
        """ "refused": nothing listens any more; "503": every request answered 503; "garbage": HTML."""
        if how == "refused":
            self.mode = "refused"
            self.stop()
        elif how in {"503", "garbage"}:
            self.mode = how
        else:
            raise ValueError(how)

    def up(self) -> None:
        if self._server is None:
            self.start()
        self.mode = "up"

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, object]:
        raise NotImplementedError

    def _record(self, path: str) -> None:
        with self._lock:
            self.paths[path] += 1

    def _opened(self, connection: socket.socket) -> None:
        with self._lock:
            self.connections += 1
            self._open.add(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.discard(connection)


def not_found(detail: str) -> tuple[int, dict]:
    return 404, {"detail": detail}


def unprocessable(field: str) -> tuple[int, dict]:
    # FastAPI's answer to a missing required query parameter.
    return 422, {"detail": [{"type": "missing", "loc": ["query", field], "msg": "Field required", "input": None}]}


def health(service: str) -> tuple[int, dict]:
    # ServiceHealth, as KATalogus' and Octopoes' /health answer.
    return 200, {"service": service, "healthy": True, "version": "stand-in", "additional": None, "results": []}

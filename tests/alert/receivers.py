"""Local alert receivers for tests: an HTTP server on 127.0.0.1 (ephemeral port) whose paths
succeed, fail with 500 or hang, and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One HTTP request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """POST /ok* → 200 (503 while ``down``), /fail* → 500, /slow* → sleeps ``slow_s`` first. Every request
    is recorded."""

    slow_s: float = 3.0
    down: bool = False
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> HttpReceiver:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                                               time.time()))
                if self.path.startswith("/slow"):
                    time.sleep(outer.slow_s)
                status = 500 if self.path.startswith("/fail") else 503 if outer.down else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        """Base URL."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def on(self, prefix: str) -> list[Received]:
        """Requests whose path starts with ``prefix``."""
        return [r for r in list(self.requests) if r.path.startswith(prefix)]

    def stop(self) -> None:
        """Shut the server down."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 with optional AUTH (no TLS required on loopback)."""

    def __init__(self, port: int, user: str | None = None, password: str | None = None) -> None:
        self.handler = _Collect()
        kwargs: dict[str, Any] = {}
        if user:
            def auth(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
                from aiosmtpd.smtp import AuthResult

                ok = data.login.decode() == user and data.password.decode() == password
                return AuthResult(success=ok)

            kwargs.update(authenticator=auth, auth_require_tls=False, auth_required=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port, **kwargs)

    @property
    def messages(self) -> list[Any]:
        """Envelopes received."""
        return self.handler.messages

    def start(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

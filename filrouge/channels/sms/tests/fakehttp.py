"""A provider's HTTP edge on loopback: the only fake the channel tests use.

A real `http.server` on a free port, in a thread. It records every request as
received (method, path, headers, body) and answers from a queue of canned
responses in the provider's documented format (or waits past the client's
timeout, to test that), falling back to a default answer.
"""

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    delay: float = 0.0  # seconds to wait before answering


@dataclass
class FakeProvider:
    default: Answer
    received: list[Received] = field(default_factory=list)
    answers: deque = field(default_factory=deque)
    server: ThreadingHTTPServer | None = None
    # Run in the server's thread before answering: what the world does meanwhile.
    on_request: Callable[[Received], None] | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def then(self, status: int = 200, body: bytes | dict | Path = b"{}", delay: float = 0.0):
        if isinstance(body, Path):
            body = body.read_bytes()
        elif isinstance(body, dict):
            body = json.dumps(body).encode()
        self.answers.append(Answer(status, body, delay))
        return self

    def start(self) -> "FakeProvider":
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming (a poll: Mastodon)
                self.do_POST(method="GET")

            def do_POST(self, method="POST"):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                provider.received.append(
                    Received(method, self.path, dict(self.headers.items()), self.rfile.read(length))
                )
                if provider.on_request is not None:
                    provider.on_request(provider.received[-1])
                answer = provider.answers.popleft() if provider.answers else provider.default
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

"""A stand-in Mastodon instance for `filrouge replay_samples mastodon`.

It serves recorded notifications at `GET /api/v1/notifications` the way
Mastodon pages them (`min_id`, `limit`, newest first), so the replay goes
through the real poller (`poll.py`) and its HTTP client, cursor included.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeInstance:
    def __init__(self, notifications: list[dict], *, ignore_cursor: bool = False) -> None:
        self.notifications = sorted(notifications, key=lambda n: (len(n["id"]), n["id"]))
        self.ignore_cursor = ignore_cursor  # serve everything, as a server replaying a page
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def page(self, query: dict[str, list[str]]) -> list[dict]:
        limit = int((query.get("limit") or ["40"])[0])
        after = (query.get("min_id") or [""])[0]
        items = self.notifications
        if after and not self.ignore_cursor:
            items = [n for n in items if (len(n["id"]), n["id"]) > (len(after), after)]
        return list(reversed(items[:limit]))

    def __enter__(self) -> "FakeInstance":
        instance = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                url = urlsplit(self.path)
                if url.path != "/api/v1/notifications":
                    self.send_error(404)
                    return
                body = json.dumps(instance.page(parse_qs(url.query))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

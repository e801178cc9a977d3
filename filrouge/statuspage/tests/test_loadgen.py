"""The benchmark's own load generator, against a small HTTP/1.1 server: it counts right."""

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from filrouge.statuspage import loadgen


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like gthread workers

    def do_GET(self):  # noqa: N802 - http.server's naming
        body = b"missing" if self.path == "/absent" else b"ok" * 100
        self.send_response(404 if self.path == "/absent" else 200)
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/close":
            self.send_header("Connection", "close")  # like sync workers
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_load_generator_sends_exactly_its_budget_and_counts_each_status():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        out = asyncio.run(
            loadgen.run(
                port=server.server_address[1],
                paths=["/", "/close", "/absent"],
                connections=1,  # one connection: the paths come in a known order
                seconds=30,
                max_requests=300,
            )
        )
    finally:
        server.shutdown()
    assert out.errors == 0
    assert len(out.latencies) == 300
    assert out.statuses == {200: 200, 404: 100}
    assert 0 < loadgen.percentile(out.latencies, 50) <= loadgen.percentile(out.latencies, 99)

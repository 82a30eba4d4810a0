"""A throw-away HTTP server on 127.0.0.1 (port 0) that records requests and plays scripted
answers: provider adapters are tested against real HTTP without leaving the machine."""

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


@dataclass
class FakeServer:
    """`answers` is a list of (status, body) played in order; the last one repeats."""

    answers: list = field(default_factory=lambda: [(200, {})])
    requests: list = field(default_factory=list)

    def __post_init__(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                server.requests.append(
                    RecordedRequest(
                        method=self.command,
                        path=parts.path,
                        query=parse_qs(parts.query),
                        headers={key.lower(): value for key, value in self.headers.items()},
                        body=self.rfile.read(length) if length else b"",
                    )
                )
                index = min(len(server.requests) - 1, len(server.answers) - 1)
                status, body = server.answers[index]
                payload = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args):  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"

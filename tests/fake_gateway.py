"""A stand-in for the SMS gateway and WeChat's API: a real HTTP server in a thread, which a
test tells how to answer and which records what reached it (docs/testing.md: external
services are faked with real local servers, never patched)."""

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    query: dict
    headers: dict
    body: dict | None


@dataclass
class FakeGateway:
    sms_status: int = 200  # what POST /sms answers
    wechat_errcode: int = 0  # what a template send answers
    token_errcode: int = 0  # what the token fetch answers (0: a token)
    delay: float = 0.0  # seconds to think before answering a message
    received: list[Received] = field(default_factory=list)
    tokens_issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def messages(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    @property
    def sms(self) -> list[dict]:
        return [r.body for r in self.messages("/sms")]

    @property
    def wechat(self) -> list[Received]:
        return self.messages("/cgi-bin/message/template/send")


def _handler(gateway: FakeGateway):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet test output
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> Received:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            received = Received(
                method=self.command,
                path=url.path,
                query={k: v[0] for k, v in parse_qs(url.query).items()},
                headers=dict(self.headers),
                body=json.loads(raw) if raw else None,
            )
            with gateway.lock:
                gateway.received.append(received)
            return received

        def do_GET(self):
            received = self._record()
            if received.path != "/cgi-bin/token":
                return self._answer(404, {})
            if gateway.token_errcode:
                return self._answer(200, {"errcode": gateway.token_errcode, "errmsg": "invalid appsecret"})
            with gateway.lock:
                gateway.tokens_issued += 1
                token = f"TOKEN-{gateway.tokens_issued}"
            self._answer(200, {"access_token": token, "expires_in": 7200})

        def do_POST(self):
            received = self._record()
            time.sleep(gateway.delay)
            if received.path == "/sms":
                return self._answer(gateway.sms_status, {"ok": gateway.sms_status < 300})
            if received.path == "/cgi-bin/message/template/send":
                if received.query.get("access_token") != f"TOKEN-{gateway.tokens_issued}":
                    return self._answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
                code = gateway.wechat_errcode
                return self._answer(200, {"errcode": code, "errmsg": "ok" if code == 0 else "no"})
            self._answer(404, {})

    return Handler


class GatewayServer:
    def __init__(self):
        self.gateway = FakeGateway()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.gateway))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> "GatewayServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def refused_url() -> str:
    """A local address where nothing listens: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"

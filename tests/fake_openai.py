"""An OpenAI-compatible chat-completions server on 127.0.0.1 for the drafting tests, the guides
test and the benchmark: GET /v1/models and POST /v1/chat/completions, threaded, with scripted
answers (wrong shapes, fences, dropped tokens, 429s, slowness, drafts over their limit).

It "translates" each string of the JSON array in the first user message as `ES: TEXT` (upper
case, the target code taken from the instructions), which keeps every [[n]] token.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_TARGET = re.compile(r" into .*? \(([A-Za-z_@]+)\)")


def fake_answer(text: str, target: str) -> str:
    return f"{target.upper()}: {text.upper()}"


class FakeChatServer:
    """`with FakeChatServer() as server:`; `server.url` is the base URL ending in /v1.

    `server.script` holds what the next requests get, one item each, then normal answers:
    "object" (a JSON object), "short" (one string too few), "prose" (not JSON), "fence"
    (the array in a ```json fence after a sentence), "drop" (token [[1]] dropped), "long"
    (every draft padded past any limit), a number (that HTTP status, Retry-After: 1), "slow"
    (answers after 2 s). `server.long = True` pads every draft, even when asked to shorten.
    """

    def __init__(self, delay: float = 0.0, models=("fake-model",)):
        self.delay = delay
        self.models = list(models)
        self.script: list = []
        self.long = False
        self.seen: list[dict] = []  # request bodies of chat completions
        self.times: list[float] = []  # when each chat request arrived (monotonic)
        self.requests = 0
        self.proxied = 0  # requests that came as to a proxy (an absolute URL as their target)
        self.inflight = self.max_inflight = 0
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "FakeChatServer":
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def systems(self) -> str:
        """Every system message received, joined (what the tests look for context in)."""
        return "\n".join(m["content"] for body in self.seen for m in body["messages"]
                         if m["role"] == "system")

    def texts(self) -> list[str]:
        """Every text received in the user messages' JSON arrays."""
        return [t for body in self.seen for t in json.loads(body["messages"][1]["content"])]

    def _content(self, body: dict, step) -> str:
        system = body["messages"][0]["content"]
        texts = json.loads(body["messages"][1]["content"])
        target = (_TARGET.search(system) or [None, "xx"])[1]
        out = [fake_answer(t, target) for t in texts]
        if step == "long" or self.long:
            out = [t + " PADDING" * 60 for t in out]
        if step == "drop":
            out = [t.replace("[[1]]", "", 1) for t in out]
        if step == "object":
            return json.dumps({"a": out, "b": out})
        if step == "short":
            return json.dumps(out[:-1])
        if step == "prose":
            return "Sure! Here are the translations: " + " / ".join(out)
        if step == "fence":
            return "Here you are:\n```json\n" + json.dumps(out, ensure_ascii=False) + "\n```"
        return json.dumps(out, ensure_ascii=False)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args) -> None:
                pass

            def parse_request(self) -> bool:
                # The request line is in: the delay counts from here, so the server's own work
                # (headers, JSON, the answer) is inside its latency, as a model server's is,
                # not added to it.
                self.due = time.monotonic() + server.delay
                parsed = super().parse_request()
                if parsed and self.path.startswith("http://"):  # sent to us as to a proxy
                    with server._lock:
                        server.proxied += 1
                    self.path = "/" + self.path.split("/", 3)[3]
                return parsed

            def _send(self, status: int, body: object, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                pause = self.due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                try:
                    self.send_response(status)
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def do_GET(self) -> None:
                self.due = 0.0  # only chat completions take the model's time
                if self.path == "/v1/models":
                    self._send(200, {"object": "list", "data": [
                        {"id": m, "object": "model"} for m in server.models]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                body = json.loads(raw)
                with server._lock:
                    server.requests += 1
                    server.inflight += 1
                    server.max_inflight = max(server.max_inflight, server.inflight)
                    server.seen.append(body)
                    server.times.append(time.monotonic())
                    step = server.script.pop(0) if server.script else None
                try:
                    if step == "slow":
                        self.due += 2.0
                    if isinstance(step, int):
                        self._send(step, {"error": {"message": f"scripted {step}"}},
                                   {"Retry-After": "1"})
                        return
                    self._send(200, {"object": "chat.completion", "model": body.get("model"),
                                     "choices": [{"index": 0, "finish_reason": "stop",
                                                  "message": {"role": "assistant",
                                                              "content": server._content(
                                                                  body, step)}}]})
                finally:
                    with server._lock:
                        server.inflight -= 1

        return Handler


if __name__ == "__main__":  # a server in its own process, for the benchmark
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    with FakeChatServer(delay=args.delay) as srv:
        print(srv.url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin

"""A LibreTranslate- and DeepL-compatible server on 127.0.0.1 for the drafting tests and the
benchmark: threaded, with scripted failures, delays and token mangling. Also its own tests."""

from __future__ import annotations

import hashlib
import html
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

LANGUAGES = [("en", "English"), ("es", "Spanish"), ("fr", "French"), ("pt", "Portuguese"),
             ("ar", "Arabic"), ("hi", "Hindi"), ("de", "German"), ("zh", "Chinese")]
_TOKEN = re.compile(r"\[\[(\d+)\]\]")


def fake_translate(text: str, target: str) -> str:
    """Deterministic and visibly 'translated': upper case, tagged with the target."""
    return f"{target.upper()}: {text.upper()}"


class FakeTranslateServer:
    """Start with `with FakeTranslateServer() as server:`; `server.url` ends with '/'."""

    def __init__(self, delay: float = 0.0, languages=LANGUAGES, deepl_key: str | None = None,
                 baidu_appkey: str = ""):
        self.delay = delay
        self.languages = list(languages)
        self.deepl_key = deepl_key
        self.baidu_appkey = baidu_appkey  # to check Baidu's signature as Baidu would
        self.headers: list[dict] = []  # request headers of translation requests
        self.statuses: list[int] = []  # answered first, one per request, before translating
        self.mangle = None  # None, "spaces", "drop", "duplicate"
        self.requests = 0  # translation requests received
        self.inflight = 0
        self.max_inflight = 0
        self.seen: list[dict] = []
        self.glossaries: dict[str, dict] = {}  # DeepL glossary_id -> the body that made it
        self.glossary_pairs = [("en", "es"), ("en", "pt"), ("en", "fr"), ("en", "de")]
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def __enter__(self) -> "FakeTranslateServer":
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _translated(self, text: str, target: str) -> str:
        out = fake_translate(text, target)
        if self.mangle == "spaces":
            out = _TOKEN.sub(lambda m: f" [ [{m.group(1)}] ] ", out)
        elif self.mangle == "drop":
            out = out.replace("[[1]]", "", 1)
        elif self.mangle == "duplicate":
            out = out + " [[0]]" if "[[0]]" in out else out
        return out

    def _glossed(self, text: str, glossary_id: str | None) -> str:
        """DeepL applying a glossary: each source term's rendering in the (upper-case) text."""
        if glossary_id is None:
            return text
        for line in self.glossaries[glossary_id]["entries"].splitlines():
            term, rendering = line.split("\t")
            text = text.replace(term.upper(), rendering)
        return text

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out as two writes; without TCP_NODELAY, Nagle's algorithm
                # and the client's delayed ACK add ~40 ms to every keep-alive answer (real
                # servers such as gunicorn set it too).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args) -> None:
                pass

            def parse_request(self) -> bool:
                # The delay counts from the request line: the server's own work (headers,
                # the answer) is inside it, as a real server's latency includes its own.
                self.due = time.monotonic() + server.delay
                return super().parse_request()

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                pause = self.due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def _send_html(self, page: str) -> None:
                data = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self.due = 0.0  # only translations take the server's time
                path = urlsplit(self.path).path
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                if path == "/languages" and "api-version" in query:  # Microsoft Translator
                    self._send(200, {"translation": {c: {"name": n, "nativeName": n,
                                                         "dir": "ltr"}
                                                     for c, n in server.languages}})
                elif path == "/api/v1/translate":  # QCRI
                    with server._lock:
                        server.requests += 1
                    server.seen.append(query)
                    target = query.get("langpair", "-").split("-")[1]
                    self._send(200, {"success": True, "translatedText": server._translated(
                        query.get("text", ""), target)})
                elif path == "/languages":
                    self._send(200, [{"code": c, "name": n, "targets": [x for x, _ in
                                                                        server.languages]}
                                     for c, n in server.languages])
                elif path in ("/get", "/m"):  # MyMemory's JSON, Google's mobile HTML page
                    fields = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                    with server._lock:
                        server.requests += 1
                    server.seen.append(fields)
                    if path == "/get":
                        target = fields.get("langpair", "|").split("|")[1]
                        self._send(200, {"responseData": {"translatedText": server._translated(
                            fields.get("q", ""), target)}, "matches": []})
                    else:
                        text = server._translated(fields.get("q", ""), fields.get("tl", ""))
                        self._send_html(f'<html><div class="result-container">{html.escape(text)}'
                                        "</div></html>")
                elif path == "/v2/languages":
                    if not self._deepl_auth():
                        return
                    kind = parse_qs(urlsplit(self.path).query).get("type", ["source"])[0]
                    codes = (["EN", "ES", "FR", "PT"] if kind == "source" else
                             ["EN-GB", "EN-US", "ES", "FR", "PT-BR", "PT-PT", "ZH-HANS"])
                    self._send(200, [{"language": c, "name": c} for c in codes])
                elif path == "/v2/glossary-language-pairs":
                    if self._deepl_auth():
                        self._send(200, {"supported_languages": [
                            {"source_lang": a, "target_lang": b}
                            for a, b in server.glossary_pairs]})
                elif path == "/v2/glossaries":
                    if self._deepl_auth():
                        self._send(200, {"glossaries": [
                            {"glossary_id": gid, "name": body["name"], "ready": True}
                            for gid, body in server.glossaries.items()]})
                else:
                    self._send(404, {"error": "not found"})

            def _deepl_auth(self) -> bool:
                if self.headers.get("Authorization") != f"DeepL-Auth-Key {server.deepl_key}":
                    self._send(403, {"message": "Wrong endpoint or key"})
                    return False
                return True

            def do_POST(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with server._lock:
                    server.requests += 1
                    server.inflight += 1
                    server.max_inflight = max(server.max_inflight, server.inflight)
                    status = server.statuses.pop(0) if server.statuses else 200
                try:
                    fields = {k: v[0] for k, v in parse_qs(split.query).items()}
                    server.headers.append(dict(self.headers))
                    if status != 200:
                        self._send(status, {"error": f"scripted {status}"})
                    elif split.path == "/translate" and "api-version" in fields:  # Microsoft
                        body = json.loads(raw or b"[]")
                        server.seen.append({**fields, "body": body})
                        self._send(200, [{"translations": [
                            {"text": server._translated(item["Text"] if "Text" in item
                                                        else item["text"], fields["to"]),
                             "to": fields["to"]}]} for item in body])
                    elif split.path == "/api/trans/vip/translate":  # Baidu, fields in the URL
                        server.seen.append(fields)
                        sign = hashlib.md5((fields["appid"] + fields["q"] + fields["salt"]
                                            + server.baidu_appkey).encode()).hexdigest()
                        if sign != fields["sign"]:
                            self._send(200, {"error_code": "54001",
                                             "error_msg": "Invalid Sign"})
                        else:
                            self._send(200, {"from": fields["from"], "to": fields["to"],
                                             "trans_result": [{"src": fields["q"], "dst": (
                                                 server._translated(fields["q"],
                                                                    fields["to"]))}]})
                    elif split.path == "/translate":
                        # deep-translator sends the fields in the query string of a POST.
                        fields = {k: v[0] for k, v in parse_qs(split.query).items()}
                        if raw:
                            fields.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
                        server.seen.append(fields)
                        self._send(200, {"translatedText": server._translated(
                            fields.get("q", ""), fields.get("target", ""))})
                    elif split.path == "/v2/translate":
                        if not self._deepl_auth():
                            return
                        body = json.loads(raw or b"{}")
                        server.seen.append(body)
                        self._send(200, {"translations": [
                            {"detected_source_language": "EN",
                             "text": server._glossed(server._translated(
                                 t, body["target_lang"]), body.get("glossary_id"))}
                            for t in body["text"]]})
                    elif split.path == "/v2/glossaries":
                        if not self._deepl_auth():
                            return
                        body = json.loads(raw or b"{}")
                        gid = f"g-{len(server.glossaries) + 1}"
                        server.glossaries[gid] = body
                        self._send(201, {"glossary_id": gid, "ready": True,
                                         "name": body["name"]})
                    else:
                        self._send(404, {"error": "not found"})
                finally:
                    with server._lock:
                        server.inflight -= 1

        return Handler


def test_fake_server_answers_like_libretranslate():
    with FakeTranslateServer() as server:
        answer = requests.post(server.url + "translate", params={"q": "Hi [[0]]", "source": "en",
                                                                 "target": "es"}, timeout=5)
        assert answer.json() == {"translatedText": "ES: HI [[0]]"}
        server.statuses = [429]
        assert requests.post(server.url + "translate", params={"q": "x"}, timeout=5
                             ).status_code == 429
        codes = [item["code"] for item in requests.get(server.url + "languages", timeout=5).json()]
        assert "es" in codes and "sw" not in codes


def test_fake_server_is_concurrent():
    from concurrent.futures import ThreadPoolExecutor

    with FakeTranslateServer(delay=0.2) as server:
        start = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: requests.post(server.url + "translate",
                                                  params={"q": str(i)}, timeout=5), range(4)))
        assert time.monotonic() - start < 0.6
        assert server.max_inflight == 4


if __name__ == "__main__":  # a server in its own process, for the benchmark
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    with FakeTranslateServer(delay=args.delay) as srv:
        print(srv.url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin

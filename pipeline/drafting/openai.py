"""An OpenAI-compatible chat-completions server as an engine: llama.cpp's server, Ollama, vLLM,
or a hosted service. Settings: HANDBILL_OPENAI_URL (the base URL, ending in /v1),
HANDBILL_OPENAI_API_KEY (optional for local servers), [draft.engines.openai] model,
temperature, batch, and the usual timeout, concurrency and retries.

The client is httpx: one transport (httpx.HTTPTransport, its connection pool) shared by the
drafting threads, as large as the concurrency, and a timeout on connecting, reading, writing and
waiting for a pooled connection. The transport rather than an httpx.Client: a Client adds
cookies, auth flows, redirects and URL merging, none of which a chat request uses, for about
half a millisecond of CPU a request (1.8 ms against 1.2 ms measured at concurrency 8 on the
benchmark's machine), and the drafting threads share one GIL with the checks and the saving.
What the Client took from the environment is kept: a proxy (see _proxy), SSL_CERT_FILE.
Retries stay the runner's (429 and 5xx with backoff and Retry-After), which the openai package
would have added a second time, together with pydantic and its other dependencies.

A model's answer is checked (prompt.parse): a wrong shape is asked again once with a
correction; if it stays wrong, a batch is split into single texts, and a single text that still
gets no usable answer fails alone, never as a corrupt draft. The runner then refuses a draft
that lost or added a token, and asks once more (Segment.shorten) for a draft over its limit.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from typing import Any

import httpx

from pipeline.drafting import prompt
from pipeline.drafting.protocol import (
    Answer, BaseEngine, EngineSpec, Fatal, Request, Segment, Transient, request_sent,
)
from pipeline.drafting.settings import EngineSettings, env_name
from pipeline.errors import ConfigError, EngineError

DEFAULT_BATCH = 8
ASKS = 2  # a wrong-shaped answer is asked about once more before the batch is split


class OpenAIEngine(BaseEngine):
    """Chat completions at HANDBILL_OPENAI_URL; texts in JSON, context in the instructions."""

    reads_context = True
    shortens = True
    tells_sent = True  # httpcore's trace extension says when a request's body is written

    def __init__(self, settings: EngineSettings):
        super().__init__(settings)
        url = (settings.get("url") or "").strip()
        if not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"the openai engine needs the server's address: set {env_name('openai', 'url')} "
                "to its base URL ending in /v1 (llama.cpp's server: http://127.0.0.1:8080/v1, "
                "Ollama: http://127.0.0.1:11434/v1)" + (f"; got {url!r}" if url else ""))
        self.url = url.rstrip("/")
        self.temperature = settings.number("temperature", 0.2)
        self.batch_size = int(settings.number("batch", DEFAULT_BATCH))
        if not 0 <= self.temperature <= 2 or not 1 <= self.batch_size <= 100:
            raise ConfigError(f"{settings.where('batch')}: the openai engine's batch must be "
                              "between 1 and 100 and its temperature between 0 and 2")
        key = settings.secret("api_key")
        self._headers = {"Accept": "application/json", "Content-Type": "application/json",
                         "User-Agent": f"python-httpx/{httpx.__version__}",
                         **({"Authorization": f"Bearer {key}"} if key else {})}
        self._host = httpx.URL(self.url).host
        self._timeout = httpx.Timeout(self.timeout).as_dict()  # connect, read, write, pool
        # verify: a plain-http server (a local model) needs no CA bundle, whose loading costs
        # 0.1 s. A transport follows no redirect, so no request leaves for another address.
        self._transport = httpx.HTTPTransport(
            verify=self.url.startswith("https://"), proxy=_proxy(self.url),
            limits=httpx.Limits(max_connections=self.concurrency,
                                max_keepalive_connections=self.concurrency))
        self._model = settings.get("model")
        self._lock = threading.Lock()
        self.identity = f"{self.url} {self._model or ''} {self.temperature:g}"  # see check()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        host = self._host
        content = None if body is None else json.dumps(  # as httpx's json= writes it
            body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        request = httpx.Request(method, self.url + path, headers=self._headers, content=content,
                                extensions={"timeout": self._timeout, "trace": _trace})
        try:
            response = self._transport.handle_request(request)
            try:
                response.read()
            finally:
                response.close()  # the connection goes back to the pool
        except httpx.TimeoutException:
            raise Transient(f"openai: no answer from {host} within {self.timeout:g} s") from None
        except httpx.TransportError:
            raise Transient(f"openai: cannot connect to {host}") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise Transient(f"openai: {host} answered HTTP {status}",
                            _retry_after(response.headers.get("Retry-After")))
        if status in (401, 403):
            raise Fatal(f"openai: {host} refused the request (HTTP {status}); check "
                        f"{env_name('openai', 'api_key')}")
        if status == 404:
            raise Fatal(f"openai: {host} answered HTTP 404 for {path} ({_message(response)}); "
                        f"check that {env_name('openai', 'url')} ends in /v1 and the model name")
        if status != 200:
            raise EngineError(f"openai: HTTP {status}: {_message(response)}")
        try:
            return response.json()
        except ValueError:
            raise EngineError(f"openai: {host} did not answer with JSON") from None

    def model(self) -> str:
        """The model setting, or the server's only model (llama.cpp serves one)."""
        with self._lock:
            if self._model is None:
                listed = self._call("GET", "/models")
                names = [str(m.get("id")) for m in (listed or {}).get("data", [])
                         if isinstance(m, dict) and m.get("id")] if isinstance(listed, dict) \
                    else []
                if len(names) != 1:
                    raise ConfigError(
                        "the openai engine needs a model: set [draft.engines.openai] model "
                        f"(the server offers {', '.join(names[:20]) or 'none'})")
                self._model = names[0]
            return self._model

    def check(self, source: str, target: str) -> None:
        # The model named in the cache's identity: another model's answers are not reused.
        self.identity = f"{self.url} {self.model()} {self.temperature:g}"

    def takes_glossary(self, source: str, target: str) -> bool:
        return True  # in the instructions, where the model can inflect a rendering

    def close(self) -> None:
        # Its sockets closed now, not when the engine is collected: an unclosed socket's
        # finalizer formats a ResourceWarning (getpeername() each), 0.9 ms at the stage's end.
        self._transport.close()

    def translate(self, segments: list[Segment], request: Request) -> list[Answer]:
        try:
            return [Answer(text) for text in self._ask(segments, request)]
        except prompt.BadAnswer as exc:
            if len(segments) == 1:
                return [Answer(failed=f"openai: {exc}, {ASKS} times; not drafted")]
        # One text at a time: a model lost in a long array often manages single ones.
        out = []
        for segment in segments:
            try:
                [text] = self._ask([segment], request)
                out.append(Answer(text))
            except prompt.BadAnswer as exc:
                out.append(Answer(failed=f"openai: {exc}, {ASKS} times; not drafted"))
        return out

    def _ask(self, segments: list[Segment], request: Request) -> list[str]:
        messages = prompt.messages(segments, request)
        problem = None
        for _ in range(ASKS):
            body = {"model": self.model(), "messages": messages,
                    "temperature": self.temperature, "stream": False}
            answer = self._call("POST", "/chat/completions", body)
            try:
                choice = answer["choices"][0]
                content = choice["message"]["content"]
            except (KeyError, IndexError, TypeError):
                raise EngineError("openai: the answer holds no choices[0].message") from None
            try:
                return prompt.parse(content, len(segments))
            except prompt.BadAnswer as exc:
                problem = exc
                if choice.get("finish_reason") == "length":
                    problem = prompt.BadAnswer("the answer was cut off at the model's limit")
                messages = messages[:2] + [{"role": "assistant", "content": str(content)[:4000]},
                                           prompt.correction(str(problem), len(segments))]
        raise problem


def _trace(event: str, info: dict) -> None:
    """httpcore's trace extension: called at each step of a request (connect, send headers,
    send body, receive...), in the thread making it."""
    if event == "http11.send_request_body.complete":
        request_sent()


def _proxy(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY, unless
    NO_PROXY covers its host), which an httpx.Client would take from the environment and a
    transport alone does not look for (httpx reads the same urllib.request.getproxies())."""
    proxies = urllib.request.getproxies()
    split = urllib.parse.urlsplit(url)
    if urllib.request.proxy_bypass_environment(split.hostname or "", proxies):
        return None
    found = proxies.get(split.scheme) or proxies.get("all")
    if not found:
        return None
    return found if "://" in found else f"http://{found}"


def _retry_after(value: str | None) -> float:
    try:
        return min(float(value or 0), 60.0)
    except ValueError:
        return 0.0


def _message(response: httpx.Response) -> str:
    """A server's error message, shortened to one line (never the request: it holds no key,
    but the texts are the campaign's)."""
    try:
        data = response.json()
        error = data.get("error", data) if isinstance(data, dict) else data
        text = error.get("message", "") if isinstance(error, dict) else str(error)
    except ValueError:
        text = response.text
    return " ".join(str(text).split())[:200] or response.reason_phrase


ENGINES = (EngineSpec("openai", OpenAIEngine,
                      settings=("url", "model", "temperature", "batch"), secrets=("api_key",),
                      summary="any OpenAI-compatible chat server: a local model with "
                              "llama.cpp's server, Ollama or vLLM (HANDBILL_OPENAI_URL, model); "
                              "reads each message's context and the glossary"),)

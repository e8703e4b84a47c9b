"""DeepL through its HTTP API v2, with the `Authorization: DeepL-Auth-Key` header.

deep-translator's DeeplTranslator sends the key as an `auth_key` query parameter on GET, which
DeepL no longer accepts, so we talk to the API ourselves: POST /v2/translate with JSON, up to 50
texts per request, and GET /v2/languages for what the account can use. Free keys (ending in
":fx") go to api-free.deepl.com. The key is only read from HANDBILL_DEEPL_API_KEY.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import requests

from pipeline.drafting.engine import (
    BaseEngine, EngineSettings, Fatal, Transient, pick_code, register, unsupported,
)
from pipeline.errors import ConfigError, EngineError

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
FORMALITIES = ("default", "more", "less", "prefer_more", "prefer_less")


@register("deepl", settings=("url", "formality"), secrets=("api_key",),
          summary="DeepL API v2 (key; free keys ending in :fx use api-free.deepl.com)")
class DeepLEngine(BaseEngine):
    """DeepL's API v2; thread-safe (one requests Session per thread)."""

    batch_size = 50  # DeepL takes at most 50 texts per request

    def __init__(self, settings: EngineSettings):
        super().__init__(settings)
        key = settings.require_secret("api_key", "a DeepL API key")
        self._headers = {"Authorization": f"DeepL-Auth-Key {key}"}
        base = settings.get("url") or (FREE_URL if key.endswith(":fx") else PRO_URL)
        if not base.startswith(("http://", "https://")):
            raise ConfigError(f"{settings.origins.get('url', 'deepl url')}: the url must start "
                              f"with http:// or https://, got {base!r}")
        self.base = base.rstrip("/")
        self.identity = self.base
        self.formality = settings.get("formality")
        if self.formality and self.formality not in FORMALITIES:
            raise ConfigError(f"{settings.origins['formality']}: formality must be one of "
                              f"{', '.join(FORMALITIES)}")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._languages: dict[str, dict[str, str]] = {}

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        host = urlsplit(self.base).netloc
        try:
            response = session.request(method, self.base + path, headers=self._headers,
                                       timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise Transient(f"deepl: no answer from {host} within {self.timeout:g} s") from None
        except requests.ConnectionError:
            raise Transient(f"deepl: cannot connect to {host}") from None
        except requests.RequestException as exc:
            raise EngineError(f"deepl: request to {host} failed ({type(exc).__name__})") from None
        status = response.status_code
        if status == 429 or status >= 500:  # DeepL also uses 529 for "too many requests"
            try:
                wait = min(float(response.headers.get("Retry-After", 0)), 60.0)
            except ValueError:
                wait = 0.0
            raise Transient(f"deepl: {host} answered HTTP {status}", wait)
        if status == 403:
            raise Fatal("deepl: the API key was refused (HTTP 403); check HANDBILL_DEEPL_API_KEY "
                        "(free keys end in :fx and use api-free.deepl.com)")
        if status == 456:
            raise Fatal("deepl: the account's character quota is used up (HTTP 456)")
        if status != 200:
            raise EngineError(f"deepl: HTTP {status}: {_message(response)}")
        try:
            return response.json()
        except ValueError:
            raise EngineError(f"deepl: {host} did not answer with JSON") from None

    def languages(self, kind: str) -> dict[str, str]:
        """name -> code of DeepL's `source` or `target` languages (asked once)."""
        with self._lock:
            if kind not in self._languages:
                listed = self._request("GET", "/v2/languages", params={"type": kind})
                self._languages[kind] = {
                    str(item.get("name", item["language"])): str(item["language"])
                    for item in listed if isinstance(item, dict) and "language" in item}
            return self._languages[kind]

    def _code(self, lang: str, kind: str) -> str:
        table = self.languages(kind)
        code = pick_code(lang, table.values(), table)
        if code is None:
            raise unsupported("deepl", lang, table.values())
        return code

    def check(self, source: str, target: str) -> None:
        self._code(source, "source")
        self._code(target, "target")

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        body: dict[str, Any] = {"text": texts, "source_lang": self._code(source, "source"),
                                "target_lang": self._code(target, "target")}
        if self.formality:
            body["formality"] = self.formality
        answer = self._request("POST", "/v2/translate", json=body)
        try:
            out = [str(item["text"]) for item in answer["translations"]]
        except (KeyError, TypeError):
            raise EngineError("deepl: the answer holds no translations") from None
        if len(out) != len(texts):
            raise EngineError(f"deepl: sent {len(texts)} texts, got {len(out)} back")
        return out


def _message(response: requests.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:200] or response.reason
    except (ValueError, AttributeError):
        return response.reason or ""

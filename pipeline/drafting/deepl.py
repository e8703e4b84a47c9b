"""DeepL through its HTTP API v2, with the `Authorization: DeepL-Auth-Key` header.

deep-translator's DeeplTranslator sends the key as an `auth_key` query parameter on GET, which
DeepL no longer accepts, so we talk to the API ourselves: POST /v2/translate with JSON, up to 50
texts per request, and GET /v2/languages for what the account can use. Free keys (ending in
":fx") go to api-free.deepl.com. The key is only read from HANDBILL_DEEPL_API_KEY.

The campaign's glossary goes through DeepL's own glossaries (v2 /glossaries), which inflect a
term where the language needs it: one glossary per language pair and content, named
"handbill <hash>", found again by name on the next run instead of made anew (glossaries are
immutable, and an account holds at most 1000). Pairs DeepL has no glossaries for
(/v2/glossary-language-pairs) get the runner's masking instead.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any
from urllib.parse import urlsplit

import requests

from pipeline.drafting.langcodes import pick_code, unsupported
from pipeline.drafting.protocol import (
    Answer, BaseEngine, EngineSpec, Fatal, Request, Segment, Transient,
)
from pipeline.drafting.settings import EngineSettings
from pipeline.errors import ConfigError, EngineError

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
FORMALITIES = ("default", "more", "less", "prefer_more", "prefer_less")


class DeepLEngine(BaseEngine):
    """DeepL's API v2; thread-safe (one requests Session per thread)."""

    batch_size = 50  # DeepL takes at most 50 texts per request

    def __init__(self, settings: EngineSettings):
        super().__init__(settings)
        key = settings.require_secret("api_key", "a DeepL API key")
        self._headers = {"Authorization": f"DeepL-Auth-Key {key}"}
        base = settings.get("url") or (FREE_URL if key.endswith(":fx") else PRO_URL)
        if not base.startswith(("http://", "https://")):
            raise ConfigError(f"{settings.where('url')}: the url must start "
                              f"with http:// or https://, got {base!r}")
        self.base = base.rstrip("/")
        self.identity = self.base
        self.formality = settings.get("formality")
        if self.formality and self.formality not in FORMALITIES:
            raise ConfigError(f"{settings.where('formality')}: formality must be one of "
                              f"{', '.join(FORMALITIES)}")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._languages: dict[str, dict[str, str]] = {}
        self._glossary_pairs: set[tuple[str, str]] | None = None
        self._glossaries: dict[str, str] = {}  # name -> glossary_id, of this account
        self._listed = False

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
        if status not in (200, 201):  # 201: a glossary was created
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

    def takes_glossary(self, source: str, target: str) -> bool:
        """True where DeepL has glossaries for the pair (asked once)."""
        with self._lock:
            if self._glossary_pairs is None:
                try:
                    listed = self._request("GET", "/v2/glossary-language-pairs")
                    self._glossary_pairs = {
                        (str(p["source_lang"]).lower(), str(p["target_lang"]).lower())
                        for p in listed.get("supported_languages", []) if isinstance(p, dict)}
                except (EngineError, AttributeError, KeyError):
                    self._glossary_pairs = set()  # masking serves instead
        return (_base(self._code(source, "source")),
                _base(self._code(target, "target"))) in self._glossary_pairs

    def _glossary_id(self, request: Request) -> str:
        """The id of the DeepL glossary holding `request.glossary`, made if there is none."""
        src = _base(self._code(request.source, "source"))
        tgt = _base(self._code(request.target, "target"))
        entries = "\n".join(f"{_tsv(term)}\t{_tsv(rendering)}"
                            for term, rendering in dict(request.glossary).items())
        digest = hashlib.sha256(f"{src}\n{tgt}\n{entries}".encode()).hexdigest()[:16]
        name = f"handbill {digest}"
        with self._lock:
            if not self._listed:
                listed = self._request("GET", "/v2/glossaries")
                for item in listed.get("glossaries", []) if isinstance(listed, dict) else []:
                    if isinstance(item, dict) and item.get("ready", True):
                        self._glossaries[str(item.get("name"))] = str(item.get("glossary_id"))
                self._listed = True
            if name not in self._glossaries:
                made = self._request("POST", "/v2/glossaries", json={
                    "name": name, "source_lang": src, "target_lang": tgt, "entries": entries,
                    "entries_format": "tsv"})
                if not isinstance(made, dict) or not made.get("glossary_id"):
                    raise EngineError("deepl: the glossary was not created (no glossary_id)")
                self._glossaries[name] = str(made["glossary_id"])
            return self._glossaries[name]

    def translate(self, segments: list[Segment], request: Request) -> list[Answer]:
        texts = [s.text for s in segments]
        body: dict[str, Any] = {"text": texts,
                                "source_lang": self._code(request.source, "source"),
                                "target_lang": self._code(request.target, "target")}
        if self.formality:
            body["formality"] = self.formality
        if request.glossary and self.takes_glossary(request.source, request.target):
            body["glossary_id"] = self._glossary_id(request)
        answer = self._request("POST", "/v2/translate", json=body)
        try:
            out = [str(item["text"]) for item in answer["translations"]]
        except (KeyError, TypeError):
            raise EngineError("deepl: the answer holds no translations") from None
        if len(out) != len(texts):
            raise EngineError(f"deepl: sent {len(texts)} texts, got {len(out)} back")
        return [Answer(text) for text in out]


def _base(code: str) -> str:
    """A DeepL language code as its glossaries spell it: PT-BR -> pt, EN-GB -> en."""
    return code.split("-")[0].lower()


def _tsv(text: str) -> str:
    return " ".join(text.split())  # no tab or line break inside a glossary entry


def _message(response: requests.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:200] or response.reason
    except (ValueError, AttributeError):
        return response.reason or ""


ENGINES = (EngineSpec("deepl", DeepLEngine, settings=("url", "formality"), secrets=("api_key",),
                      summary="DeepL API v2 (key; free keys ending in :fx use "
                              "api-free.deepl.com); the glossary through DeepL's glossaries"),)

"""deep-translator's engines (google, mymemory, libre, microsoft, baidu, qcri) behind our protocol.

What deep-translator 1.11.4 does that we work around (read in its source):
- No timeout on any request: every module calls the module-level `requests.get/post`. We put a
  stand-in for `requests` into each of its modules (`_TimedRequests`) that adds our timeout,
  uses one keep-alive Session per thread, and turns 429/5xx/timeouts/refused connections into
  our Transient errors before deep-translator can mislabel them (its 429 surfaces as
  TooManyRequests, ServerException or, for Microsoft, MicrosoftAPIerror). Outside our calls
  (no engine active on the thread) the stand-in passes straight through to `requests`.
- Its error messages can carry secrets: AuthorizationException prints the API key, and requests'
  connection errors (and urllib3's DEBUG log lines) show the URL, whose query holds libre's
  api_key. We never show them, and filter the query out of urllib3's log records.
- libre catches the builtin ConnectionError, which requests' ConnectionError is not, and sends
  the text in the URL's query string even though it POSTs. Its language list is hard-coded (17
  languages); we ask the server's /languages instead and fall back to that list.
- LibreTranslator(custom_url=...) needs a trailing "/" and refuses to start without an
  api_key: we pass a placeholder and then clear it so it is never sent.
- Translator objects keep per-call state (`_url_params`), so each thread gets its own copy.
- MicrosoftTranslator asks Microsoft for its languages in its constructor, at an address
  written into the method. The stand-in sends each request of an engine with a `url` setting
  to that server instead of the library's default (the same host part is swapped, the path
  kept): Azure's regional endpoints, and the tests' loopback server, for microsoft, baidu and
  qcri. Nothing else of the library is patched.
- QcriTranslator builds a ServerException for a failed request but does not raise it (so a
  failure came back as None); the stand-in raises ours first for 401/403/429/5xx.
- Not offered: yandex (its client calls the v1.5 API at translate.yandex.net, which Yandex
  replaced by Yandex Cloud's Translate v2 with another address and authentication; it also
  prints to stdout) and papago (its client calls openapi.naver.com/v1/papago/n2mt, the Naver
  Developers API that Naver moved to its cloud platform under another address and headers).
- translate_batch() is a sequential loop; the runner's thread pool replaces it.
"""

from __future__ import annotations

import copy
import functools
import importlib
import logging
import os
import threading
from contextlib import contextmanager
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from pipeline.drafting.langcodes import pick_code, unsupported
from pipeline.drafting.protocol import BaseEngine, EngineSpec, Fatal, Transient
from pipeline.drafting.settings import EngineSettings
from pipeline.errors import ConfigError, EngineError

_local = threading.local()


@contextmanager
def _active(engine: "DeepTranslatorEngine"):
    """Mark this thread as calling `engine`, so the stand-in applies its timeout."""
    previous = getattr(_local, "engine", None)
    _local.engine = engine
    try:
        yield
    finally:
        _local.engine = previous


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        # With trust_env, requests scans the whole environment for proxies and looks for
        # ~/.netrc on every request (a sixth of its CPU time per request, measured); we read
        # the environment once instead: proxies per server (_proxies, honouring HTTPS_PROXY and
        # NO_PROXY) and the CA bundle here.
        session.trust_env = False
        session.verify = (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
                          or True)
    return session


@functools.lru_cache(maxsize=64)
def _proxies(origin: str) -> dict:
    return requests.utils.get_environ_proxies(origin)


def _retry_after(response: requests.Response) -> float:
    try:
        return min(float(response.headers.get("Retry-After", 0)), 60.0)
    except ValueError:
        return 0.0


class _TimedRequests:
    """Stands in for the `requests` module inside deep_translator's modules."""

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("GET", url, kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("POST", url, kwargs)

    @staticmethod
    def _call(method: str, url: str, kwargs: dict) -> requests.Response:
        engine = getattr(_local, "engine", None)
        if engine is None:
            return requests.request(method, url, **kwargs)
        kwargs["timeout"] = engine.timeout
        url = engine.rewrite(url)
        parts = urlsplit(url)
        host = parts.netloc  # never the query: it can hold an API key
        if not kwargs.get("proxies"):
            kwargs["proxies"] = _proxies(f"{parts.scheme}://{parts.netloc}/")
        try:
            response = _session().request(method, url, **kwargs)
        except requests.Timeout:
            raise Transient(f"{engine.name}: no answer from {host} within "
                            f"{engine.timeout:g} s") from None
        except requests.ConnectionError:
            raise Transient(f"{engine.name}: cannot connect to {host}") from None
        except requests.RequestException as exc:
            raise EngineError(f"{engine.name}: request to {host} failed "
                              f"({type(exc).__name__})") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise Transient(f"{engine.name}: {host} answered HTTP {status}",
                            _retry_after(response))
        if status in (401, 403):
            raise Fatal(f"{engine.name}: {host} refused the request (HTTP {status}); check the "
                        f"key in the environment variable HANDBILL_{engine.name.upper()}_API_KEY "
                        "and the server URL")
        return response


class _NoQueryStrings(logging.Filter):
    """urllib3 logs each request's URL at DEBUG; libre's query holds the API key: cut it off."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(a.split("?", 1)[0] + "?..." if isinstance(a, str) and "?" in a
                                else a for a in record.args)
        return True


_MODULES = ("baidu", "google", "libre", "microsoft", "mymemory", "qcri")
_installed = False
_install_lock = threading.Lock()


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        logging.getLogger("urllib3.connectionpool").addFilter(_NoQueryStrings())
        stand_in = _TimedRequests()
        for name in _MODULES:
            module = importlib.import_module(f"deep_translator.{name}")
            module.requests = stand_in
        _installed = True


def _map_error(engine: str, exc: Exception) -> EngineError:
    """deep-translator's exceptions -> ours, without their text (it may hold keys)."""
    from deep_translator import exceptions as dt

    kind = type(exc).__name__
    if isinstance(exc, dt.TooManyRequests):
        return Transient(f"{engine}: too many requests")
    if isinstance(exc, dt.AuthorizationException):
        return Fatal(f"{engine}: the API key was refused; check HANDBILL_{engine.upper()}_API_KEY")
    if isinstance(exc, dt.ApiKeyException):
        return Fatal(f"{engine}: an API key is needed; set HANDBILL_{engine.upper()}_API_KEY")
    if isinstance(exc, (dt.LanguageNotSupportedException, dt.InvalidSourceOrTargetLanguage)):
        return Fatal(f"{engine}: the language is not supported")
    if isinstance(exc, (dt.NotValidLength, dt.NotValidPayload)):
        return EngineError(f"{engine}: the text is too long for this engine; shorten it or "
                           "draft it with another engine")
    if isinstance(exc, dt.TranslationNotFound):
        return EngineError(f"{engine}: no translation found")
    if isinstance(exc, dt.ServerException):
        return Transient(f"{engine}: the server reported an error")
    if isinstance(exc, dt.BaiduAPIerror):
        # Baidu answers HTTP 200 with an error code; 54003 is its rate limit.
        message = " ".join(str(getattr(exc, "api_message", exc)).split())[:80]
        if "limit" in message.lower():
            return Transient(f"{engine}: too many requests ({message})")
        return EngineError(f"{engine}: the server refused the request ({message})")
    return EngineError(f"{engine}: unexpected answer ({kind})")


class DeepTranslatorEngine(BaseEngine):
    """One deep-translator class; per-thread translator objects, our timeouts and errors."""

    def __init__(self, settings: EngineSettings, cls_name: str, kwargs: dict,
                 languages: Callable[["DeepTranslatorEngine"], dict[str, str]],
                 identity: str = "", call_kwargs: dict | None = None):
        super().__init__(settings)
        self.call_kwargs = call_kwargs or {}
        _install()
        import deep_translator

        self.cls = getattr(deep_translator, cls_name)
        self.kwargs = kwargs
        self.identity = identity
        self._languages_of = languages
        self._languages: dict[str, str] | None = None
        self._protos: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.after_init: Callable[[Any], None] = lambda translator: None
        self.default_base = ""  # the library's server, swapped for `url` when that is set
        self.base = ""

    def rewrite(self, url: str) -> str:
        """The address to call: the configured server in place of the library's default."""
        if self.base and url.startswith(self.default_base):
            return self.base + url[len(self.default_base):]
        return url

    def languages(self) -> dict[str, str]:
        """name -> code of what the engine offers (fetched once)."""
        with self._lock:
            if self._languages is None:
                with _active(self):
                    self._languages = self._languages_of(self)
            return self._languages

    def _code(self, lang: str) -> str:
        table = self.languages()
        code = pick_code(lang, table.values(), table)
        if code is None:
            raise unsupported(self.name, lang, table.values())
        return code

    def check(self, source: str, target: str) -> None:
        self._code(source)
        self._code(target)

    def _translator(self, source: str, target: str) -> Any:
        key = (source, target)
        per_thread = getattr(_local, "translators", None)
        if per_thread is None:
            per_thread = _local.translators = {}
        translator = per_thread.get((id(self), key))
        if translator is not None:
            return translator
        src, tgt = self._code(source), self._code(target)
        with self._lock:
            proto = self._protos.get(key)
            if proto is None:
                first = next(iter(self._languages.values()))
                try:
                    with _active(self):
                        # Built with a pair its table surely holds, then pointed at ours: the
                        # code may come from the server's own list (libre) rather than the table.
                        proto = self.cls(source=first, target=first, **self.kwargs)
                except EngineError:
                    raise
                except Exception as exc:  # deep-translator raises bare Exception too
                    raise _map_error(self.name, exc) from None
                proto._source, proto._target = src, tgt
                self.after_init(proto)
                self._protos[key] = proto
        translator = copy.copy(proto)
        if isinstance(getattr(proto, "_url_params", None), dict):
            translator._url_params = dict(proto._url_params)
        per_thread[(id(self), key)] = translator
        return translator

    def translate_texts(self, texts: list[str], source: str, target: str) -> list[str]:
        translator = self._translator(source, target)
        out = []
        for text in texts:
            try:
                with _active(self):
                    result = translator.translate(text, **self.call_kwargs)
            except EngineError:
                raise
            except Exception as exc:
                raise _map_error(self.name, exc) from None
            if isinstance(result, list):  # mymemory with return_all
                result = result[0] if result else ""
            out.append(result if isinstance(result, str) else "")
        return out


def _table(name: str) -> Callable[[DeepTranslatorEngine], dict[str, str]]:
    def languages(engine: DeepTranslatorEngine) -> dict[str, str]:
        from deep_translator import constants
        return dict(getattr(constants, name))
    return languages


def _base_url(s: EngineSettings, default: str) -> str:
    """The `url` setting as a base ending in "/", or the library's default server."""
    url = s.get("url") or default
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{s.where('url')}: the {s.name} url must start with http:// or "
                          f"https://, got {url!r}")
    return url if url.endswith("/") else url + "/"


def _simple(cls_name: str, table: str, settings: tuple[str, ...] = ()):
    """A factory for a deep-translator engine whose settings map onto its constructor."""
    def factory(s: EngineSettings) -> DeepTranslatorEngine:
        kwargs = {key: s.get(key) for key in settings if s.get(key) is not None}
        return DeepTranslatorEngine(s, cls_name, kwargs, _table(table))
    return factory


QCRI_URL = "https://mt.qcri.org/"
BAIDU_URL = "https://fanyi-api.baidu.com/"
MICROSOFT_URL = "https://api.cognitive.microsofttranslator.com/"


def _pointed(engine: DeepTranslatorEngine, s: EngineSettings, default: str
             ) -> DeepTranslatorEngine:
    engine.default_base, engine.base = default, _base_url(s, default)
    engine.identity = engine.base if engine.base != default else ""
    return engine


def _qcri(s: EngineSettings) -> DeepTranslatorEngine:
    # QcriTranslator.translate() fails with a KeyError unless it is given a domain.
    engine = DeepTranslatorEngine(s, "QcriTranslator",
                                  {"api_key": s.require_secret("api_key", "a QCRI API key")},
                                  _table("QCRI_LANGUAGE_TO_CODE"),
                                  call_kwargs={"domain": s.get("domain") or "general"})
    return _pointed(engine, s, QCRI_URL)


def _baidu(s: EngineSettings) -> DeepTranslatorEngine:
    appid = s.get("appid")
    if not appid:
        raise ConfigError("the baidu engine needs appid: set [draft.engines.baidu] appid or "
                          "HANDBILL_BAIDU_APPID")
    engine = DeepTranslatorEngine(s, "BaiduTranslator",
                                  {"appid": appid, "appkey": s.require_secret("appkey", "a key")},
                                  _table("BAIDU_LANGUAGE_TO_CODE"))
    return _pointed(engine, s, BAIDU_URL)


def _microsoft(s: EngineSettings) -> DeepTranslatorEngine:
    kwargs = {"api_key": s.require_secret("api_key", "a Microsoft Translator key")}
    if s.get("region"):
        kwargs["region"] = s.get("region")

    def languages(engine: DeepTranslatorEngine) -> dict[str, str]:
        # The list comes from Microsoft, fetched by the constructor itself.
        try:
            probe = engine.cls(source="en", target="es", **engine.kwargs)
        except EngineError:
            raise
        except Exception as exc:
            raise _map_error(engine.name, exc) from None
        return dict(probe._languages)

    engine = DeepTranslatorEngine(s, "MicrosoftTranslator", kwargs, languages)
    return _pointed(engine, s, MICROSOFT_URL)


LIBRE_DEFAULT_URL = "https://libretranslate.com/"


def _libre(s: EngineSettings) -> DeepTranslatorEngine:
    url = s.get("url") or LIBRE_DEFAULT_URL
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{s.where('url')}: the LibreTranslate url must "
                          f"start with http:// or https://, got {url!r}")
    url = url if url.endswith("/") else url + "/"
    key = s.secret("api_key")
    kwargs = {"api_key": key or "unused", "custom_url": url, "use_free_api": False}

    def languages(engine: DeepTranslatorEngine) -> dict[str, str]:
        # A server knows what it was installed with; deep-translator's table is a 2021 guess.
        try:
            answer = _TimedRequests().get(url + "languages")
            listed = answer.json() if answer.status_code == 200 else None
            if isinstance(listed, list):
                table = {str(item.get("name", item.get("code"))): str(item["code"])
                         for item in listed if isinstance(item, dict) and "code" in item}
                if table:
                    return table
        except (Transient, ValueError, KeyError):
            pass
        return _table("LIBRE_LANGUAGES_TO_CODES")(engine)

    engine = DeepTranslatorEngine(s, "LibreTranslator", kwargs, languages, identity=url)
    if not key:
        engine.after_init = lambda translator: setattr(translator, "api_key", None)
    return engine


ENGINES = (
    EngineSpec("libre", _libre, settings=("url",), secrets=("api_key",),
               summary="LibreTranslate, any server (url; key if the server wants one)"),
    EngineSpec("google", _simple("GoogleTranslator", "GOOGLE_LANGUAGES_TO_CODES"),
               summary="Google Translate's free web endpoint (no key; may rate-limit)"),
    EngineSpec("mymemory", _simple("MyMemoryTranslator", "MY_MEMORY_LANGUAGES_TO_CODES",
                                   ("email",)), settings=("email",),
               summary="MyMemory (no key; an e-mail raises the daily quota)"),
    EngineSpec("microsoft", _microsoft, settings=("region", "url"), secrets=("api_key",),
               summary="Microsoft Translator (key; region; url for a regional endpoint)"),
    EngineSpec("baidu", _baidu, settings=("appid", "url"), secrets=("appkey",),
               summary="Baidu Translate (appid and key)"),
    EngineSpec("qcri", _qcri, settings=("domain", "url"), secrets=("api_key",),
               summary="QCRI's Arabic machine translation (key; domain)"),
)

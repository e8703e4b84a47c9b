"""`handbill serve`: output/ on 127.0.0.1, rebuilt when a source, catalog, template or
handbill.toml changes.

Only regular files are served: no symlink (at any depth), no dotfile (`.build-stamp.json`,
`.handbill-output`), no folder listing. Each connection gets a timeout and at most
`MAX_CONNECTIONS` are served at once, so idle or half-open sockets cannot pile up threads.
A watcher thread only notices changes; the rebuild runs on the thread that calls `run()` (the
main thread), because a build forks worker processes and should not do it from a side thread.
"""

from __future__ import annotations

import errno
import functools
import http.server
import logging
import os
import stat
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import Callable

from pipeline.config import CONFIG_NAME, Config, load_config, prepare_output
from pipeline.errors import HandbillError

log = logging.getLogger(__name__)
MAX_CONNECTIONS = 64


def watched_state(cfg: Config) -> dict[Path, float]:
    """Modification times of everything a build reads (sources, catalogs, settings)."""
    state = {}
    for folder in (cfg.source_dir, cfg.locales_dir, Path(__file__).parent / "templates"):
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file() and not path.name.startswith("."):
                    state[path] = path.stat().st_mtime_ns
    config = cfg.root / CONFIG_NAME
    if config.exists():
        state[config] = config.stat().st_mtime_ns
    return state


def servable(root: Path, url_path: str) -> bool:
    """Whether a request path leads to a regular file (or a folder's index.html) under root
    through no symlink and no name starting with a dot."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url_path).path, errors="strict")
    parts = [part for part in path.split("/") if part]
    if any(part.startswith(".") or "\\" in part or "\0" in part for part in parts):
        return False
    current = root
    for part in [*parts, None]:
        if part is None:  # the end: a folder is shown by its index.html only
            try:
                info = os.lstat(current)
            except OSError:
                return False
            if not stat.S_ISDIR(info.st_mode):
                return stat.S_ISREG(info.st_mode)
            part = "index.html"
        current = current / part
        try:
            info = os.lstat(current)
        except OSError:
            return False
        if stat.S_ISLNK(info.st_mode):
            return False
    return stat.S_ISREG(info.st_mode)


class _Handler(http.server.SimpleHTTPRequestHandler):
    timeout = 30.0  # seconds a connection may stay idle (set per server)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's name
        log.debug("serve: " + format, *args)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a translator reloads to see a change
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def send_head(self):
        try:
            allowed = servable(Path(self.directory), self.path)
        except UnicodeDecodeError:
            allowed = False
        if not allowed:
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def list_directory(self, path):  # never: a folder without index.html is not found
        self.send_error(404, "File not found")
        return None


class _HTTPServer(http.server.ThreadingHTTPServer):
    """A threading server with a cap on connections and one quiet line per failed request."""

    daemon_threads = True
    request_queue_size = MAX_CONNECTIONS  # socketserver's default backlog is 5

    def __init__(self, address, handler, max_connections: int = MAX_CONNECTIONS):
        self.slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        if not self.slots.acquire(blocking=False):  # too many at once: drop this one
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):  # a client went away
            log.debug("serve: %s: %s", client_address[0], error)
        else:
            log.warning("serve: a request from %s failed: %s", client_address[0], error)


class Server:
    """A preview server; with `watch`, a thread notices changes and `run()` rebuilds them."""

    def __init__(self, cfg: Config, port: int = 8000, watch: bool = True,
                 interval: float = 1.0, timeout: float = 30.0):
        prepare_output(cfg)
        self.cfg, self.watch, self.interval = cfg, watch, interval
        handler = type("Handler", (_Handler,), {"timeout": timeout})
        self.handler = handler
        try:
            self.httpd = _HTTPServer(("127.0.0.1", port), self._handler_for(cfg))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise HandbillError(f"port {port} on 127.0.0.1 is already in use; stop the "
                                    "other server or choose another with --port (0 picks a "
                                    "free one)") from None
            if exc.errno == errno.EACCES:
                raise HandbillError(f"port {port} needs administrator rights; choose one above "
                                    "1023 with --port") from None
            raise
        self.stopping = threading.Event()
        self.changed = threading.Event()
        self._lock = threading.Lock()
        self._seen: dict[Path, float] = {}
        self.rebuilds = 0
        self.threads = [threading.Thread(target=self.httpd.serve_forever, daemon=True)]
        if watch:
            self.threads.append(threading.Thread(target=self._watch, daemon=True))

    def _handler_for(self, cfg: Config):
        return functools.partial(self.handler, directory=str(cfg.output_dir))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def start(self) -> Server:
        # The state to compare with is taken now, not when the thread gets to run: a save
        # made between start() and the thread's first look would otherwise go unseen.
        self._seen = watched_state(self.cfg)
        for thread in self.threads:
            thread.start()
        return self

    def _watch(self) -> None:
        while not self.stopping.wait(self.interval):
            with self._lock:
                now = watched_state(self.cfg)
                if now != self._seen:
                    self.changes = sorted({p for p in set(now) | set(self._seen)
                                           if now.get(p) != self._seen.get(p)})
                    self.changed.set()

    def run(self, rebuild: Callable[[Config], object], on_error: Callable[[str], object]
            ) -> None:
        """Until stop(): wait for a change, read handbill.toml again, rebuild (on this thread).

        A broken handbill.toml is reported through `on_error` and the last good output keeps
        being served; the next save that fixes it rebuilds.
        """
        while not self.stopping.is_set():
            if not self.changed.wait(0.2):
                continue
            log.warning("changed: %s; rebuilding", ", ".join(
                self.cfg.relpath(p) for p in getattr(self, "changes", [])[:3]))
            try:
                cfg = load_config(self.cfg.root)
                if cfg.output_dir != self.cfg.output_dir:
                    prepare_output(cfg)
                    self.httpd.RequestHandlerClass = self._handler_for(cfg)
                self.cfg = cfg
                rebuild(cfg)
            except HandbillError as exc:  # keep serving what was built last
                on_error(str(exc))
            except Exception:  # a bug: shown with its traceback, and serving goes on
                log.exception("rebuild failed")
            self.rebuilds += 1
            with self._lock:
                self._seen = watched_state(self.cfg)
                self.changed.clear()

    def stop(self) -> None:
        self.stopping.set()
        if self.threads[0].is_alive():  # shutdown() waits for serve_forever() to have run
            self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self.threads:
            if thread.is_alive():
                thread.join(timeout=10)


def serve_and_rebuild(cfg: Config, port: int, watch: bool, rebuild: Callable[[Config], object],
                      say: Callable[[str, bool], object]) -> None:
    """`handbill serve`: build, serve output/ and rebuild on changes until Ctrl-C; `say(text,
    is_error)` tells the user (the CLI prints)."""
    server = Server(cfg, port, watch=watch)  # the port first: a taken one fails fast
    try:  # Ctrl-C at any moment from here on stops the server cleanly
        rebuild(cfg)
        server.start()
        say(f"serving {cfg.relpath(cfg.output_dir)} at {server.url} (Ctrl-C to stop)", False)
        server.run(rebuild, lambda message: say(f"handbill: error: {message}", True))
    except KeyboardInterrupt:
        say("stopped", False)
    finally:
        server.stop()

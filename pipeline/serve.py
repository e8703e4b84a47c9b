"""`handbill serve`: output/ on 127.0.0.1, rebuilt when a source, catalog or template changes."""

from __future__ import annotations

import functools
import http.server
import logging
import threading
from pathlib import Path
from typing import Callable

from pipeline.config import CONFIG_NAME, Config

log = logging.getLogger(__name__)


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


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's name
        log.debug("serve: " + format, *args)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a translator reloads to see a change
        super().end_headers()


class Server:
    """A preview server with an optional watcher thread; stop() ends both."""

    def __init__(self, cfg: Config, port: int = 8000, rebuild: Callable[[], object] | None = None,
                 interval: float = 1.0):
        cfg.output_dir.mkdir(parents=True, exist_ok=True)
        handler = functools.partial(_Handler, directory=str(cfg.output_dir))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.cfg, self.rebuild, self.interval = cfg, rebuild, interval
        self.stopping = threading.Event()
        self.rebuilds = 0
        self.threads = [threading.Thread(target=self.httpd.serve_forever, daemon=True)]
        if rebuild is not None:
            # The state to compare with is taken now, not when the thread gets to run: a save
            # made between start() and the thread's first look would otherwise go unseen.
            self.threads.append(threading.Thread(target=self._watch,
                                                 args=(watched_state(cfg),), daemon=True))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def start(self) -> Server:
        for thread in self.threads:
            thread.start()
        return self

    def _watch(self, seen: dict[Path, int]) -> None:
        while not self.stopping.wait(self.interval):
            now = watched_state(self.cfg)
            if now != seen:
                changed = sorted({p for p in set(now) | set(seen) if now.get(p) != seen.get(p)})
                log.warning("changed: %s; rebuilding", ", ".join(self.cfg.relpath(p)
                                                                 for p in changed[:3]))
                try:
                    self.rebuild()
                except Exception:  # keep serving; the error is shown, the next save retries
                    log.exception("rebuild failed")
                self.rebuilds += 1
                seen = watched_state(self.cfg)

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self.threads:
            thread.join(timeout=10)

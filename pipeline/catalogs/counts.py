"""How many messages a template holds, remembered by the SHA-256 of its bytes, so that `draft`
need not parse the template before its first request (it only needs the count: a catalog
holding fewer messages than its template is half-saved or not updated; see
pipeline.drafting.catalogfile). Parsing a template of 500 messages took 5-9 ms, all of it
before the first request of a stage that waits 50 ms per round of requests.

`extract` remembers each template it writes (or leaves as it is), and `draft` each template
it had to parse. The count lives beside the campaign readings (pipeline.sources.cache:
$HANDBILL_CACHE_DIR/templates, ~/.cache/handbill/templates), never inside the project: a
count planted by a contributor could let `draft` write into a half-saved catalog. The key also
covers handbill's code (the parser that counts). A damaged or foreign entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

SUB = "templates"


def _where(root: Path, raw: bytes) -> tuple[Path, str] | None:
    from pipeline.sources import cache

    base = cache.usable_folder(root, SUB, "template sizes")
    if base is None:
        return None
    key = hashlib.sha256(cache._code() + b"\0template\0" + raw).hexdigest()
    return base / f"{key}.json", key


def remembered(root: Path, raw: bytes) -> int | None:
    """The message count remembered for a template holding `raw`, or None."""
    where = _where(root, raw)
    if where is None:
        return None
    path, key = where
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        data = json.loads(path.read_bytes())
        count = data["messages"]
        if data.get("key") != key or type(count) is not int or count < 0:
            return None
        os.utime(path)  # recently used: evicted last
        return count
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("ignoring the remembered template size %s: %s", path, exc)
        return None


def remember(root: Path, templates: list[tuple[bytes, int]]) -> None:
    """Remember, for each (bytes, count), that a template holding those bytes holds `count`
    messages. A count that cannot be written costs only time."""
    from pipeline.files import write_if_changed
    from pipeline.sources import cache

    folder = None
    for raw, count in templates:
        where = _where(root, raw)
        if where is None:
            return
        path, key = where
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_if_changed(path, json.dumps({"key": key, "messages": count}).encode("ascii"),
                             durable=False)
            folder = path.parent
        except OSError as exc:
            log.debug("cannot remember the template size in %s: %s", path, exc)
    if folder is not None:
        try:
            cache._evict(folder)
        except OSError as exc:
            log.debug("cannot evict old template sizes in %s: %s", folder, exc)

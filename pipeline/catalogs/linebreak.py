"""Line-break opportunities exactly as GNU gettext computes them.

gettext's PO writer (write-po.c, wrap()) asks libunistring's Unicode line breaking (UAX #14)
where a string may be broken to fit the page width. Calling the same library through ctypes is
what lets handbill write files that `msgcat` reproduces byte for byte, in every script, instead
of approximating UAX #14 in Python. libunistring is a dependency of Debian's gettext package.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from functools import lru_cache

UC_BREAK_UNDEFINED = 0
UC_BREAK_PROHIBITED = 1
UC_BREAK_POSSIBLE = 2


def _names():
    # The known sonames first: find_library runs `ldconfig -p` (24 ms, a tenth of `extract`).
    yield from ("libunistring.so.5", "libunistring.so.2")
    yield ctypes.util.find_library("unistring")


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL:
    for name in _names():
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        # gettext 0.21 calls the _v2 variant (libunistring >= 0.9.11); the older entry point
        # breaks differently around over-long words.
        func = getattr(lib, "u8_width_linebreaks_v2", None) or lib.u8_width_linebreaks
        lib.handbill_linebreaks = func
        func.restype = ctypes.c_int
        func.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
        ]
        return lib
    raise RuntimeError(
        "libunistring was not found; it comes with GNU gettext: run `apt-get install gettext "
        "libunistring-dev` (the README's set-up command does this)"
    )


_BUFFERS = threading.local()  # each thread's result buffer, reused (see linebreaks)


def linebreaks(data: bytes, width: int, start_column: int, overrides: bytes,
               encoding: bytes) -> bytes:
    """libunistring's verdict per byte of the UTF-8 `data` (UC_BREAK_POSSIBLE where a line
    is broken before it), `overrides` holding one byte per byte of `data`.

    The result buffer is reused: ctypes.create_string_buffer builds a new array type per call,
    which cost more than the line breaking itself (a quarter of writing a catalog)."""
    n = len(data)
    buffer = getattr(_BUFFERS, "buffer", None)
    if buffer is None or len(buffer) < n:
        buffer = _BUFFERS.buffer = ctypes.create_string_buffer(max(n, 4096))
    _library().handbill_linebreaks(data, n, width, start_column, 0, overrides, encoding, buffer)
    return ctypes.string_at(buffer, n)


def possible_breaks(units: list[str], overrides: bytes, width: int, start_column: int,
                    encoding: bytes) -> list[int]:
    """Indices of `units` (escaped characters) before which the line is broken.

    `overrides` holds one byte per unit (UC_BREAK_UNDEFINED or UC_BREAK_PROHIBITED), as gettext
    builds it: an escape sequence's second character may never start a line.
    """
    data = "".join(units).encode("utf-8")
    n = len(data)
    over = bytearray(n)
    starts = []
    pos = 0
    for index, unit in enumerate(units):
        starts.append(pos)
        size = len(unit.encode("utf-8"))
        over[pos] = overrides[index]
        for k in range(1, size):
            over[pos + k] = UC_BREAK_PROHIBITED
        pos += size
    raw = linebreaks(data, width, start_column, bytes(over), encoding)
    return [i for i, p in enumerate(starts) if raw[p] == UC_BREAK_POSSIBLE]

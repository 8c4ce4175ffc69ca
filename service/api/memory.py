"""Giving memory back to the system after load.

Frames are decoded on a pool of worker threads, and glibc's malloc gives each thread that
allocates concurrently an arena of its own (up to 8 per core) and keeps freed memory in
them: after a burst of streams the server's resident size stays near its peak. Two glibc
knobs bound that: fewer arenas (set once, before the worker threads start) and
`malloc_trim`, which returns the free memory of every arena to the system (called when the
last stream closes, after an upload has been answered, and once the model has had no user
for a while, after onnxruntime's own arenas shrank: `Runtime.after_idle`). Elsewhere than
on glibc both are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time

log = logging.getLogger("gesture.app")

M_ARENA_MAX = -8  # mallopt parameter (malloc.h)
MIN_TRIM_INTERVAL_S = 1.0  # malloc_trim walks every arena: not more often than this

_libc: ctypes.CDLL | None = None
_last_trim = 0.0
_lock = threading.Lock()


def _glibc() -> ctypes.CDLL | None:
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name or "libc.so.6")
            libc.malloc_trim.argtypes = [ctypes.c_size_t]
            libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
            return None
        _libc = libc
    return _libc


def limit_arenas(arenas: int) -> bool:
    """At most `arenas` malloc arenas from now on (0: glibc's default); True if applied."""
    libc = _glibc()
    if libc is None or arenas <= 0:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


def give_back(always: bool = False) -> bool:
    """Return free heap memory to the system, at most once per `MIN_TRIM_INTERVAL_S` unless
    `always`; True if memory was released."""
    global _last_trim
    libc = _glibc()
    if libc is None:
        return False
    with _lock:
        now = time.monotonic()
        if now - _last_trim < MIN_TRIM_INTERVAL_S and not always:
            return False
        _last_trim = now
    return bool(libc.malloc_trim(0))

"""The cyclic garbage collector paused while a burst of long-lived objects is made.

A read of a theme's passages, suggesting for thousands of segments and storing what was suggested
each make tens or hundreds of thousands of small objects and keep them: the collector would walk
them, and every library loaded, again and again and free nothing (a quarter to a half of those
runs' time). It runs after the burst instead.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """The collector off for the block, and on again after it if it was on before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

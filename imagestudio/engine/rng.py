"""Stable, named random streams.

Why: Python's hash() is salted per process, so we derive every seed from SHA-256.
Each layer asks for its own named stream, so adding a layer never reshuffles others.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_hash(*parts: str | int) -> int:
    """64-bit integer from SHA-256 of the parts (stable across processes and machines)."""
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "little")


def unit_hash(*parts: str | int) -> float:
    """Stable float in [0, 1) for a word or key (used to colour unknown words)."""
    return stable_hash(*parts) / 2.0**64


class Streams:
    """Factory of independent numpy Generators keyed by name."""

    def __init__(self, key: int) -> None:
        self.key = key

    def rng(self, name: str) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(stable_hash(self.key, name)))

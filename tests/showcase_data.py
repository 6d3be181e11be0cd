"""The curated showcase drawn small and quick (few steps; hero 256×256, the rest 384×256, so they get two
srcset widths) for tests: same keys, same groups, same prompts.

Each entry's pixels are drawn by the real engine once per test process and reused (the engine is
deterministic), so a test that needs the showcase pays only for storing it."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from unittest import mock

from imagestudio.showcase import services
from imagestudio.showcase.curated import CURATED, HERO, Curated
from imagestudio.showcase.services import SyncReport, sync_showcase

_render = cache(services.render_png)


def small_entries() -> tuple[Curated, ...]:
    return tuple(replace(entry, width=256 if entry.group == HERO else 384, height=256, steps=4) for entry in CURATED)


def render_small_showcase(entries: tuple[Curated, ...] | None = None) -> SyncReport:
    with mock.patch.object(services, "render_png", _render):
        return sync_showcase(entries if entries is not None else small_entries())

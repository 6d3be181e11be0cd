"""Fixtures: the shared emulator reset before each test, and a provider pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from imagestudio.falemu import Emulator
from imagestudio.generation.providers.fal import FalProvider, clear_jwks_cache

from .support import WebhookReceiver

# The emulator's environment and its session fixture live in tests/fal_emulator.py (shared with the
# Django-side and end-to-end fal tests).


@pytest.fixture(autouse=True)
def clean_emulator(emulator: Emulator) -> Emulator:
    emulator.reset()  # jobs, files, counters, fault rules and knobs back to TEST_KNOBS
    clear_jwks_cache()
    return emulator


@pytest.fixture
def provider(emulator: Emulator) -> FalProvider:
    return FalProvider(key="test-key", timeout=5)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as hook:
        yield hook

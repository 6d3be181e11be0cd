"""The emulator renders with the project's engine when it can, and falls back to a gradient."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

import pytest
from PIL import Image

from imagestudio.falemu.render import RenderSpec, gradient, render


@dataclass(frozen=True)
class FakeRequest:
    prompt: str
    width: int
    height: int
    seed: int
    negative_prompt: str = ""
    steps: int = 20
    guidance: float = 7.0


@pytest.fixture
def fake_engine(monkeypatch):
    calls: list[FakeRequest] = []

    def fake_render(request: FakeRequest, progress=None) -> Image.Image:
        calls.append(request)
        return Image.new("RGB", (request.width, request.height), "purple")

    module = types.SimpleNamespace(render=fake_render, RenderRequest=FakeRequest)
    monkeypatch.setitem(sys.modules, "imagestudio.engine", module)
    return calls


def test_engine_is_the_default_and_fal_ranges_are_clamped(fake_engine):
    spec = RenderSpec("a fox", width=64, height=48, seed=2**40 + 5, steps=80, guidance=30)
    image, used = render(spec)
    assert used == "engine"
    assert image.size == (64, 48)  # rendered at the engine's minimum, resized to what fal was asked
    (request,) = fake_engine
    assert (request.width, request.height, request.seed, request.steps, request.guidance) == (256, 256, 5, 50, 20.0)


def test_engine_failure_falls_back_in_auto_mode(monkeypatch):
    def broken(request, progress=None):
        raise RuntimeError("engine bug")

    module = types.SimpleNamespace(render=broken, RenderRequest=FakeRequest)
    monkeypatch.setitem(sys.modules, "imagestudio.engine", module)
    spec = RenderSpec("a fox", width=32, height=16, seed=1)
    assert render(spec)[1] == "gradient"
    with pytest.raises(RuntimeError):
        render(spec, renderer="engine")


def test_gradient_is_deterministic():
    spec = RenderSpec("same", width=20, height=10, seed=3)
    assert gradient(spec).tobytes() == gradient(spec).tobytes()
    assert gradient(spec).tobytes() != gradient(RenderSpec("same", width=20, height=10, seed=4)).tobytes()

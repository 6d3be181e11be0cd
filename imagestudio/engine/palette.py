"""Scene palettes: a base per time of day, then bent toward the prompt's colour words."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .colour import from_hue, hexc, hue_rotate, lighten, mix, rgb, saturate, tint
from .prompt import PromptPlan

# Named slots so every layer asks for a role ("water"), never a raw colour.
_BASE: dict[str, dict[str, str]] = {
    "day": dict(
        top="2f6fcf",
        mid="6fa8e8",
        low="a9cdf0",
        horizon="dcebf6",
        haze="c5d9ec",
        sun="fff8e0",
        glow="fff0c0",
        cloud="ffffff",
        cloud_dark="9fb2cc",
        rock="5a7896",
        hill="6aa04c",
        foliage="2d6a3c",
        ground="7aa852",
        sand="e6bd80",
        water="2a6aa6",
        snow="f1f6fc",
        building="7b8aa0",
        window="a9cbe6",
        accent="f2c14e",
    ),
    "sunset": dict(
        top="262a6a",
        mid="8e4a8a",
        low="ee7a5a",
        horizon="ffc46e",
        haze="f0a070",
        sun="fff3b8",
        glow="ffb35c",
        cloud="ffb4a0",
        cloud_dark="6a4a8e",
        rock="5d4070",
        hill="5a3f5e",
        foliage="2a2140",
        ground="4a3448",
        sand="e6955c",
        water="503f84",
        snow="f6d6d0",
        building="38294c",
        window="ffd27a",
        accent="ff7a59",
    ),
    "sunrise": dict(
        top="4f78c4",
        mid="b690c0",
        low="f0aab0",
        horizon="ffe2a8",
        haze="f2c6b6",
        sun="fffbe0",
        glow="ffd9a0",
        cloud="ffd6cc",
        cloud_dark="8a7aa8",
        rock="7a76a6",
        hill="7e9a78",
        foliage="3e5560",
        ground="7e8a70",
        sand="f0c090",
        water="6a80b8",
        snow="fbeef0",
        building="6a6a90",
        window="ffe0a0",
        accent="ffa0a0",
    ),
    "dusk": dict(
        top="101640",
        mid="2e3170",
        low="7a4a82",
        horizon="d27480",
        haze="7e5a88",
        sun="ffd8b0",
        glow="e07a80",
        cloud="c88aa0",
        cloud_dark="2a2452",
        rock="2c2a56",
        hill="2a3048",
        foliage="141630",
        ground="242840",
        sand="9a6a78",
        water="2a2c62",
        snow="b0b4d8",
        building="1c1a38",
        window="ffcc66",
        accent="ff8aa0",
    ),
    "night": dict(
        top="02040c",
        mid="08102a",
        low="12204a",
        horizon="22325e",
        haze="1c2a50",
        sun="f6f2e2",
        glow="8aa0d0",
        cloud="3a4a70",
        cloud_dark="0c1228",
        rock="1e2c52",
        hill="15243a",
        foliage="0a1422",
        ground="142030",
        sand="3a3a50",
        water="0c1834",
        snow="8a9ac0",
        building="0b1020",
        window="ffc864",
        accent="ffd27a",
    ),
    "overcast": dict(
        top="4a5262",
        mid="6a7482",
        low="8a949f",
        horizon="a8b0b8",
        haze="969fa8",
        sun="e8e8e0",
        glow="c8ccd0",
        cloud="b8bec6",
        cloud_dark="3c424e",
        rock="4e5662",
        hill="56664e",
        foliage="26342c",
        ground="4e5a48",
        sand="a89a80",
        water="4c5866",
        snow="dfe4ea",
        building="3e4450",
        window="e8d49a",
        accent="d8b060",
    ),
    "space": dict(
        top="020309",
        mid="050816",
        low="0a0f24",
        horizon="0e1530",
        haze="141c3c",
        sun="fff4d8",
        glow="ffd090",
        cloud="4a3c8a",
        cloud_dark="0a0a20",
        rock="3a3a60",
        hill="2a2a48",
        foliage="1a1a30",
        ground="2a2a40",
        sand="c08a60",
        water="1a2a60",
        snow="c0c8e0",
        building="1a1a30",
        window="ffd080",
        accent="8a5cff",
    ),
}
# Which palette slots a bound colour ("blue ocean") bends.
_TARGET_SLOTS: dict[str, tuple[str, ...]] = {
    "sky": ("top", "mid", "low"),
    "sunset": ("mid", "low", "horizon", "glow"),
    "sunrise": ("mid", "low", "horizon", "glow"),
    "dusk": ("mid", "low", "horizon"),
    "night": ("top", "mid", "low"),
    "ocean": ("water",),
    "lake": ("water",),
    "mountains": ("rock",),
    "hills": ("hill", "ground"),
    "forest": ("foliage",),
    "city": ("building", "window"),
    "desert": ("sand",),
    "snow": ("snow",),
    "flowers": ("accent",),
    "clouds": ("cloud", "cloud_dark"),
    "sun": ("sun", "glow"),
    "moon": ("sun",),
    "tree": ("foliage",),
    "house": ("window",),
}
SLOTS = tuple(_BASE["day"])
_SKY_SLOTS = ("top", "mid", "low", "horizon", "haze", "sun", "glow", "cloud", "snow")


@dataclass(frozen=True)
class Palette:
    time: str
    c: dict[str, np.ndarray]
    accents: tuple[np.ndarray, ...]
    bound: dict[str, np.ndarray] = field(default_factory=dict)  # noun -> named colour
    strength: float = 0.7  # prompt adherence 0..1 (from guidance)

    def __getitem__(self, slot: str) -> np.ndarray:
        return self.c[slot]

    def for_noun(self, noun: str, default: np.ndarray, keep_light: float = 0.3) -> np.ndarray:
        """A subject's colour: its bound colour word ("red fox") bends the default."""
        if noun in self.bound:
            return tint(default, self.bound[noun], min(1.0, 0.3 + self.strength), keep_light)
        return default

    def sky_stops(self) -> list[tuple[float, np.ndarray]]:
        return [(0.0, self["top"]), (0.45, self["mid"]), (0.8, self["low"]), (1.0, self["horizon"])]


def adherence(guidance: float) -> float:
    """0..1: how strongly named words bend the picture (guidance 7 -> ~0.75)."""
    return float(1.0 - np.exp(-guidance / 5.0))


def build_palette(plan: PromptPlan, time: str, rng: np.random.Generator, guidance: float) -> Palette:
    """Base palette for the time of day, bent toward the prompt's colours."""
    g = adherence(guidance)
    c = {k: hexc(v) for k, v in _BASE[time].items()}
    # Low guidance -> colours wander with the seed (more "random" results).
    wander = 0.025 + 0.5 * (1.0 - g) ** 2
    shift = float(rng.uniform(-wander, wander))
    for k in c:
        c[k] = hue_rotate(c[k], shift * (0.4 if k in _SKY_SLOTS else 1.0))
    bound, free = _split_colours(plan)
    if plan.has("autumn", "fall") and "forest" not in bound:
        bound["forest"] = hexc("d2691e")  # autumn foliage: burnt orange
        bound.setdefault("tree", hexc("c8502a"))
    if plan.has("cherry", "sakura") and "tree" not in bound:
        bound["tree"] = hexc("f4a6c8")  # cherry blossom crowns are pink
        bound.setdefault("flowers", hexc("f7b8d2"))
    for noun, col in bound.items():
        for slot in _TARGET_SLOTS.get(noun, ()):
            c[slot] = tint(c[slot], col, 0.25 + 0.65 * g * plan.weight(noun), keep_light=0.35)
    free = free or [from_hue(h, 0.12, 0.62) for h in plan.word_hues[:2]]
    _apply_free(c, free, g * (1.0 if plan.colours else 0.55))
    sat = 0.8 + 0.022 * guidance
    c = {k: saturate(v, sat) for k, v in c.items()}
    accents = tuple(saturate(a, sat) for a in (list(bound.values()) + free)) or (c["accent"],)
    return Palette(time=time, c=c, accents=accents, bound=bound, strength=g)


def _split_colours(plan: PromptPlan) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    bound: dict[str, np.ndarray] = {}
    free: list[np.ndarray] = []
    for col, target in zip(plan.colours, plan.colour_targets, strict=True):
        (free if target is None or target == "abstract" else []).append(rgb(col))
        if target and target != "abstract":
            bound.setdefault(target, rgb(col))
    return bound, free


def _apply_free(c: dict[str, np.ndarray], free: list[np.ndarray], g: float) -> None:
    """Unattached colours: first tints the sky/air, second the land, all a little."""
    if not free:
        return
    first, second = free[0], free[1] if len(free) > 1 else free[0]
    for slot in ("top", "mid", "low", "horizon", "haze", "glow", "cloud_dark", "water"):
        c[slot] = tint(c[slot], first, 0.55 * g, keep_light=0.55)
    for slot in ("rock", "hill", "foliage", "ground", "sand", "building", "accent"):
        c[slot] = tint(c[slot], second, 0.45 * g, keep_light=0.5)


def pastelise(p: Palette) -> Palette:
    """Pastel style: light, low-chroma versions of every colour."""
    c = {k: saturate(lighten(v, 0.2), 0.9) for k, v in p.c.items()}
    acc = tuple(saturate(lighten(a, 0.2), 0.9) for a in p.accents)
    return replace(p, c=c, accents=acc)


def neonise(p: Palette) -> Palette:
    """Neon style: near-black base with hot magenta/cyan accents."""
    c = {k: lighten(saturate(v, 1.3), -0.55) for k, v in p.c.items()}
    for slot, col in (
        ("top", "07021a"),
        ("mid", "1a0636"),
        ("low", "45105a"),
        ("horizon", "a8206e"),
        ("haze", "4a1250"),
        ("building", "120a24"),
        ("water", "0c0620"),
    ):
        c[slot] = hexc(col)  # synthwave night: violet sky burning pink at the horizon
    c["window"] = hexc("ff3fd0")
    c["glow"] = hexc("ff4fa0")
    c["sun"] = hexc("ffd24a")
    base = [hexc("ff2fd0"), hexc("22e6ff"), hexc("9a4dff"), hexc("ffd24a")]
    acc = tuple(saturate(lighten(a, 0.1), 1.6) for a in p.accents) + tuple(base)
    return replace(p, c=c, accents=acc[:4])


def mix_into(p: Palette, slot: str, colour: np.ndarray, t: float) -> None:
    p.c[slot] = mix(p.c[slot], colour, t)

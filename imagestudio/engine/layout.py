"""Decide what to draw: setting, time of day, scene features, subjects, horizon, light."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .prompt import PromptPlan

GROUND = {"mountains", "hills", "forest", "city", "desert", "ocean", "lake", "flowers", "snow"}
COSMIC = {"space", "galaxy", "nebula", "planet"}
_RANDOM_EXTRAS = ("mountains", "hills", "forest", "lake", "clouds", "flowers", "fog")
_DAY_WORDS = ("sunny", "day", "daytime", "noon", "summer", "daylight", "bright")
_SUBJECT_HOME = {
    "boat": "ocean",
    "lighthouse": "ocean",
    "castle": "hills",
    "house": "hills",
    "deer": "forest",
    "horse": "hills",
    "wolf": "snow",
    "fox": "forest",
    "rabbit": "flowers",
}


@dataclass
class Layout:
    setting: str  # landscape | space | abstract | portrait
    time: str  # day | sunset | sunrise | dusk | night | overcast | space
    features: set[str] = field(default_factory=set)
    subjects: list[str] = field(default_factory=list)
    horizon: float = 0.6
    sun: tuple[float, float] = (0.5, 0.3)


def decide(
    plan: PromptPlan,
    avoid: frozenset[str],
    guidance: float,
    styles: tuple[str, ...],
    rng: np.random.Generator,
    aspect: float,
) -> Layout:
    feats = set(plan.scenes)
    subjects = [s for s in plan.subjects if s not in ("moon", "sun")]
    if "moon" in plan.subjects:
        feats.add("moon")
    if "sun" in plan.subjects:
        feats.add("sun")
    # Low guidance: the seed adds its own ideas to the scene.
    if rng.random() < max(0.0, 1.0 - guidance / 3.0) * 0.9:
        feats.add(str(rng.choice(_RANDOM_EXTRAS)))
    if not feats & (GROUND | COSMIC | {"abstract", "portrait", "sky", "clouds"}):
        for s in subjects:
            if s in _SUBJECT_HOME:
                feats.add(_SUBJECT_HOME[s])
                break
    setting = _setting(feats, subjects, plan, rng)
    if "city" in feats and "neon" in styles and not feats & {"ocean", "lake", "desert", "snow"}:
        feats.add("lake")  # neon cities look best doubled in a wet reflection
    if setting == "landscape" and not feats & GROUND and not feats & {"sky", "clouds"}:
        feats.add(str(rng.choice(["hills", "mountains", "hills", "lake"])))
    feats -= _avoided(avoid)
    time = _time(plan, feats, styles, setting, rng, guidance)
    lay = Layout(setting=setting, time=time, features=feats, subjects=subjects)
    lay.horizon = _horizon(feats, rng, aspect)
    lay.sun = _sun(time, lay.horizon, rng)
    return lay


def _avoided(avoid: frozenset[str]) -> set[str]:
    m = {
        "water": {"ocean", "lake"},
        "mountains": {"mountains"},
        "trees": {"forest"},
        "buildings": {"city"},
        "snow": {"snow"},
        "rain": {"rain"},
        "fog": {"fog"},
        "flowers": {"flowers"},
        "hills": {"hills"},
        "aurora": {"aurora"},
        "nebula": {"nebula"},
        "planet": {"planet"},
        "clouds": {"clouds"},
        "lightning": {"storm"},
    }
    out: set[str] = set()
    for a in avoid:
        out |= m.get(a, set())
    return out


def _setting(feats: set[str], subjects: list[str], plan: PromptPlan, rng: np.random.Generator) -> str:
    if "portrait" in feats:
        return "portrait"
    if "abstract" in feats and not feats & GROUND:
        return "abstract"
    if feats & COSMIC and not feats & GROUND:
        return "space"
    if not feats and not subjects:
        # Nothing recognisable: the seed picks a pleasant scene type.
        return "abstract" if rng.random() < 0.35 else "landscape"
    return "landscape"


def _time(
    plan: PromptPlan, feats: set[str], styles: tuple[str, ...], setting: str, rng: np.random.Generator, guidance: float
) -> str:
    if setting == "space":
        return "space"
    t = plan.time
    if t is None and "neon" in styles:
        t = "night"
    if t is None and feats & {"aurora", "galaxy", "nebula", "moon"}:
        t = "night"
    if t is None and feats & {"storm", "rain"}:
        t = "overcast"
    if t is None and any(w in plan.words for w in _DAY_WORDS):
        t = "day"
    if t is None and "noir" in styles:
        t = "night" if rng.random() < 0.5 else "overcast"
    if t is None:
        r = rng.random() if guidance >= 2 else rng.random() * 0.6 + 0.4
        if feats & {"flowers", "snow"}:
            r *= 0.85  # gardens and snowfields read best in daylight
        t = "day" if r < 0.68 else "sunset" if r < 0.82 else "sunrise" if r < 0.9 else "dusk"
    return t


def _horizon(feats: set[str], rng: np.random.Generator, aspect: float) -> float:
    if feats & {"sky", "clouds"} and not feats & GROUND:
        lo, hi = 0.82, 0.9
    elif "desert" in feats and not feats & {"ocean", "lake"}:
        lo, hi = 0.5, 0.58
    elif "ocean" in feats:
        lo, hi = 0.55, 0.64
    elif "city" in feats:
        lo, hi = 0.64, 0.74
    elif "mountains" in feats:
        lo, hi = 0.58, 0.66
    else:
        lo, hi = 0.56, 0.66
    tall = 0.06 if aspect < 0.8 else 0.0  # portrait canvases: more room for sky
    return float(rng.uniform(lo, hi) + tall)


def _sun(time: str, horizon: float, rng: np.random.Generator) -> tuple[float, float]:
    u = float(rng.choice([rng.uniform(0.22, 0.42), rng.uniform(0.58, 0.78)]))
    if time in ("sunset", "sunrise"):
        return u, horizon - float(rng.uniform(0.04, 0.12))
    if time == "dusk":
        return u, horizon + 0.02
    if time in ("night", "space"):
        return u, float(rng.uniform(0.12, 0.28)) * horizon / 0.6
    return u, float(rng.uniform(0.1, 0.24)) * horizon / 0.6

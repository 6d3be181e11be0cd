"""The site's link-preview picture (Open Graph, 1200×630), drawn with Pillow instead of shipped as a file.

Drawn once per process and language (the tagline is translated), then served from memory.
"""

from __future__ import annotations

import io
from functools import lru_cache

from django.utils.translation import gettext
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

SIZE = (1200, 630)
NAME = "AI Image Studio"
_TOP, _BOTTOM = (46, 16, 101), (15, 23, 42)  # violet-950 into slate-900, as the landing hero in dark mode
_GLOWS = (((180, 60), 260, (139, 92, 246)), ((1040, 560), 300, (236, 72, 153)), ((980, 90), 180, (56, 189, 248)))
_FONT_FILES = ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A bold sans if the system has one; Pillow's bundled font otherwise (always there)."""
    for name in _FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _background() -> Image.Image:
    gradient = Image.linear_gradient("L").resize(SIZE)  # black at the top to white at the bottom
    picture = Image.composite(Image.new("RGB", SIZE, _BOTTOM), Image.new("RGB", SIZE, _TOP), gradient)
    glow = Image.new("RGB", SIZE, (0, 0, 0))
    draw = ImageDraw.Draw(glow)
    for (x, y), radius, colour in _GLOWS:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    glow = glow.filter(ImageFilter.GaussianBlur(120)).point(lambda v: v * 6 // 10)
    return ImageChops.screen(picture, glow)


def _tiles(draw: ImageDraw.ImageDraw) -> None:
    """A small stack of 'generated images' on the right: rounded cards in the brand colours."""
    cards = (((810, 150, 1050, 390), (139, 92, 246)), ((880, 230, 1140, 490), (236, 72, 153)))
    for box, colour in cards:
        draw.rounded_rectangle(box, radius=28, fill=colour, outline=(255, 255, 255), width=4)
    draw.ellipse((930, 280, 1000, 350), fill=(254, 240, 138))  # a sun on the front card
    draw.polygon([(886, 484), (990, 360), (1070, 440), (1134, 400), (1134, 484)], fill=(76, 29, 149))


@lru_cache(maxsize=8)
def _render(tagline: str) -> bytes:
    picture = _background()
    draw = ImageDraw.Draw(picture)
    _tiles(draw)
    draw.rounded_rectangle((80, 110, 152, 182), radius=18, fill=(139, 92, 246))
    star = [(116, 122), (124, 138), (140, 146), (124, 154), (116, 170), (108, 154), (92, 146), (108, 138)]
    draw.polygon(star, fill=(255, 255, 255))  # the logo's sparkle
    draw.text((80, 230), NAME, font=_font(72), fill=(255, 255, 255))
    y = 340
    for line in _wrap(tagline, 26):
        draw.text((80, y), line, font=_font(38), fill=(221, 214, 254))
        y += 52
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:4]


def png() -> bytes:
    """The picture as PNG bytes, in the active language."""
    return _render(gettext("Turn words into images with AI models or the built-in offline engine."))

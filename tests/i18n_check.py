"""Finding untranslated UI text: the same page rendered in German and in English, compared text by text.

`untranslated(german_html, english_html, allowed_words=…)` lists the German page's visible texts (text nodes
plus the title, aria-label, placeholder and alt attributes) that are identical on the English page and still
hold a word of three or more letters that is not allowed (brand and model names, the creative-tool vocabulary
German keeps, and the user content the test seeded). Any page can be checked with `page_pair(client, path)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

from django.test import Client

ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
SKIPPED_ELEMENTS = {"script", "style", "kbd", "code", "pre", "noscript"}  # code, keys and machine text
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# A word of 3+ letters standing alone: not part of an identifier (image_size), a hash or a colour (#7c3aed).
WORD = re.compile(r"(?<!\w)[^\W\d_]{3,}(?!\w)")
MACHINE_TEXT = re.compile(r"(/|https?://)\S*")  # a path or a URL shown as text

# Words German keeps as they are: brand, product and model names, formats, keys, the words German creative
# tools use untranslated, words German spells the same (System, Name, Status), the native names of the
# languages in the switch, and the signup form's example name (Ada Lovelace).
_ALLOWED = (
    "AI Image Studio Offline Turbo fal fal.ai FAL_KEY FLUX SDXL dev schnell pro ultra Stable Diffusion XL Pro Team",
    "Prompt Prompts Seed Seeds Credits Credit Batch Batches Dashboard Inpainting Outpainting Ctrl Enter Esc Mac",
    "English Deutsch API URL PNG JPEG WebP AVIF ZIP CSV JSON HTMX OpenAPI Bearer CFG Ada Lovelace",
    "FAQ System Name Status Standard Format Variation Tag Tags Engine optional Anime Neon Noir Vintage Remix",
    "Workspace Details Passkey Passkeys UTC SHA HDR",
    "Filter Illustration Marketing Storyboard Film",
)
ALLOWED_WORDS = {word.casefold() for line in _ALLOWED for word in line.split()}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[str] = []

    def _skipping(self) -> bool:
        return any(tag in SKIPPED_ELEMENTS for tag in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping():
            self.texts.extend(value for name, value in attrs if name in ATTRIBUTES and value)
            if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
                self.texts.append(dict(attrs).get("value") or "")
        if tag not in VOID_ELEMENTS:
            self._stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping():
            self.texts.extend(value for name, value in attrs if name in ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:  # close up to the matching element (forgiving, as browsers are)
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    """The page's texts a person reads or hears, whitespace-normalised, in page order."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return [text for raw in collector.texts if (text := " ".join(raw.split()))]


def _needs_translation(text: str, allowed: set[str]) -> bool:
    if MACHINE_TEXT.fullmatch(text):
        return False
    return any(word.casefold() not in allowed for word in WORD.findall(text))


def untranslated(
    german_html: str, english_html: str, *, allowed_words: Iterable[str] = (), allowed_texts: Iterable[str] = ()
) -> list[str]:
    """The German page's texts that are the English page's too and hold a word German would translate.

    `allowed_words`: texts whose words may appear anywhere (seeded content); `allowed_texts`: whole texts that
    may stay as they are (model names such as "Stable Diffusion XL (fast-sdxl)")."""
    allowed = ALLOWED_WORDS | {word.casefold() for text in allowed_words for word in WORD.findall(text)}
    english = set(visible_texts(english_html)) - set(allowed_texts)
    found: list[str] = []
    for text in visible_texts(german_html):
        if text in english and _needs_translation(text, allowed) and text not in found:
            found.append(text)
    return found


def page_pair(client: Client, path: str) -> tuple[str, str]:
    """The page at `path` in German and in English (by Accept-Language), both answered 200."""
    pages = []
    for language in ("de", "en"):
        response = client.get(path, headers={"Accept-Language": language})
        assert response.status_code == 200, f"{path} in {language}: {response.status_code}"
        html = response.content.decode()
        assert f'<html lang="{language}"' in html, f"{path} was not rendered in {language}"
        pages.append(html)
    return pages[0], pages[1]

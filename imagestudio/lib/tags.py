"""Tags as the studio writes them on images and projects (and, later, prompts): one set of rules.

Trimmed, inner whitespace collapsed, lower-cased; empties and repeats dropped, order kept; a comma-separated
string is a list. Callers turn `TagError` into their own error type for the field `tags`.
"""

from __future__ import annotations

MAX_TAGS = 20
MAX_TAG = 50


class TagError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_tag(value: object) -> str:
    text = " ".join(str(value).split()).lower()
    if "\x00" in text:
        raise TagError("Text must not contain NUL characters.")
    if len(text) > MAX_TAG:
        raise TagError(f"Each tag is at most {MAX_TAG} characters (“{text[:20]}…” is longer).")
    return text


def clean_tags(names: object, *, owner: str = "An image") -> list[str]:
    """The cleaned tags; `owner` names what carries them in the too-many message ("A project has at most…")."""
    if isinstance(names, str):
        names = names.split(",")
    if not isinstance(names, list | tuple):
        raise TagError("Tags are a list of words.")
    cleaned: list[str] = []
    for name in names:
        text = clean_tag(name)
        if text and text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > MAX_TAGS:
        raise TagError(f"{owner} has at most {MAX_TAGS} tags.")
    return cleaned

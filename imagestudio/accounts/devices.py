"""A readable device name ("Firefox on Windows") from a User-Agent header, for the session list and the
security log. A rough guess by design: good enough to tell one's own devices apart."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# First match wins: the order matters (Edge and Opera also say "Chrome", Chrome also says "Safari").
_BROWSERS = [
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
    (r"curl/", "curl"),
    (r"python-requests|httpx|aiohttp|Python-urllib", "Python script"),
]
_SYSTEMS = [
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Android", "Android"),
    (r"Windows", "Windows"),
    (r"CrOS", "ChromeOS"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"Linux", "Linux"),
]


def _first(patterns: list[tuple[str, str]], text: str) -> str:
    return next((name for pattern, name in patterns if re.search(pattern, text)), "")


def describe_user_agent(user_agent: str) -> str:
    browser = _first(_BROWSERS, user_agent or "")
    system = _first(_SYSTEMS, user_agent or "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown device")


def is_mobile(user_agent: str) -> bool:
    return bool(re.search(r"Mobile|iPhone|Android", user_agent or ""))

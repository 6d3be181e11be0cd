"""The German catalogs: the committed .mo files are compiled from the .po files next to them (so running the
studio needs no gettext), and every catalog is complete (no empty or fuzzy translation).

`make messages` (scripts/messages.sh) updates the .po files and compiles them."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "imagestudio"
# Both domains: django (templates, Python) and djangojs (the text our scripts show, served by /jsi18n/).
CATALOGS = sorted(po for domain in ("django", "djangojs") for po in ROOT.glob(f"**/locale/de/LC_MESSAGES/{domain}.po"))
_STRING = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr\[\d+\]|msgstr) (".*")$')


def _entries(po: Path) -> list[dict[str, str | bool]]:
    """The catalog's entries: msgid, msgid_plural, msgstr / msgstr[n], and whether they are fuzzy."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, str | bool] = {"fuzzy": False}
        key = ""
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = True
            elif match := _STRING.match(line):
                key = match.group(1)
                entry[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                entry[key] = str(entry[key]) + ast.literal_eval(line)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def _label(po: Path) -> str:
    return str(po.relative_to(ROOT.parent))


def test_there_is_a_project_catalog():
    assert ROOT / "locale/de/LC_MESSAGES/django.po" in CATALOGS
    assert ROOT / "locale/de/LC_MESSAGES/djangojs.po" in CATALOGS


@pytest.mark.parametrize("po", CATALOGS, ids=_label)
def test_the_compiled_catalog_matches_its_po_file(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{_label(mo)} is missing: run `make messages`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in _entries(po):
        msgid = str(entry["msgid"])
        if not msgid or entry["fuzzy"]:
            continue
        if "msgid_plural" in entry:
            wanted = [str(entry.get("msgstr[0]", "")), str(entry.get("msgstr[1]", ""))]
            got = [compiled.ngettext(msgid, str(entry["msgid_plural"]), n) for n in (1, 2)]
            if all(wanted) and got != wanted:
                stale.append(msgid)
        elif entry.get("msgstr") and _translated(compiled, entry) != entry["msgstr"]:
            stale.append(msgid)
    assert stale == [], f"{_label(mo)} is older than its .po (run `make messages`): {stale[:5]}"


def _translated(compiled: gettext.GNUTranslations, entry: dict[str, str | bool]) -> str:
    """The compiled translation of a singular entry, in its context (msgctxt) when it has one."""
    if "msgctxt" in entry:
        return compiled.pgettext(str(entry["msgctxt"]), str(entry["msgid"]))
    return compiled.gettext(str(entry["msgid"]))


@pytest.mark.parametrize("po", CATALOGS, ids=_label)
def test_every_string_is_translated(po):
    missing = [
        str(entry["msgid"])
        for entry in _entries(po)
        if entry["msgid"]
        and (entry["fuzzy"] or not (entry.get("msgstr") or (entry.get("msgstr[0]") and entry.get("msgstr[1]"))))
    ]
    assert missing == [], f"{_label(po)} has {len(missing)} untranslated strings, e.g. {missing[:5]}"

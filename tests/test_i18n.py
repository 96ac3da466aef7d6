"""The dashboard's gettext catalogs (dashboard/locale/*/LC_MESSAGES/dashboard.po): complete, consistent across
languages, plural forms by the language's rules, no English in the Ukrainian texts, and every key the code asks for
present. Independent figures: the PO files read with Babel directly, the Ukrainian forms by hand."""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from analysis.textformat import plural_form
from dashboard.i18n import LANGUAGES, catalog_path, tr

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Latin-script words a Ukrainian text may hold: proper names, file formats, tools and data column names.
LATIN_ALLOWED = {
    "Language", "HROMADA", "ACCESS", "DATA", "OpenStreetMap", "ODbL", "Brody", "HTML", "XLSX", "GeoPackage", "QGIS",
    "workers", "total", "LEAD", "SFCA", "Overpass", "Geofabrik", "pyrosm", "GeoJSON", "name", "population",
    "katottg", "category", "cnap", "centre", "remote", "workplace", "settlement",
}


def _catalog(lang):
    with open(catalog_path(lang), "rb") as handle:
        return read_po(handle, locale=lang)


def _entries(lang) -> dict[str, tuple[str, ...]]:
    out = {}
    for message in _catalog(lang):
        if message.id:
            key = message.id[0] if message.pluralizable else message.id
            out[key] = message.string if message.pluralizable else (message.string,)
    return out


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogs_hold_the_same_keys_every_text_filled_and_placeholders_alike():
    uk, en = _entries("uk"), _entries("en")
    assert set(uk) == set(en) and len(uk) > 250
    for key in uk:
        forms = uk[key] + en[key]
        assert all(form.strip() for form in forms), key
        fields = _fields(uk[key][0])
        assert all(_fields(form) == fields for form in forms), key
    plural_keys = {m.id[0] for m in _catalog("uk") if m.pluralizable}
    assert plural_keys == {m.id[0] for m in _catalog("en") if m.pluralizable} >= {"codifier_count", "segments"}
    for key in plural_keys:
        assert len(uk[key]) == 3 and len(en[key]) == 2, key
        assert "n" in _fields(uk[key][0]), key
    assert not any(m.fuzzy for lang in LANGUAGES for m in _catalog(lang) if m.id)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalog_plural_rule_is_the_one_every_library_text_uses(lang):
    """The PO header's Plural-Forms (what gettext applies) and analysis.textformat.plural_form (the library's
    notes) pick the same form for every count."""
    expression = _catalog(lang).plural_expr
    choose = gettext.c2py(expression)
    assert [choose(n) for n in range(0, 1001)] == [plural_form(n, lang) for n in range(0, 1001)]


def test_ukrainian_forms_by_hand():
    by_hand = {1: "населений пункт", 2: "населені пункти", 4: "населені пункти", 5: "населених пунктів",
               11: "населених пунктів", 12: "населених пунктів", 14: "населених пунктів", 21: "населений пункт",
               22: "населені пункти", 111: "населених пунктів", 1001: "населений пункт"}
    for n, words in by_hand.items():
        assert tr("codifier_count", "uk", n=n).endswith(f" {words}."), n
    assert tr("codifier_count", "uk", n=1001) == "У Кодифікаторі КАТОТТГ громада має 1\u202f001 населений пункт."
    assert tr("codifier_count", "en", n=1) == "The KATOTTG codifier lists 1 settlement in this hromada."
    assert tr("codifier_count", "en", n=2) == "The KATOTTG codifier lists 2 settlements in this hromada."
    assert tr("segments", "uk", n=3) == "3 ділянки доріг"


def test_fallbacks_unknown_language_and_key():
    assert tr("app_title", "de") == tr("app_title", "uk")
    assert tr("no_such_key_anywhere", "en") == "no_such_key_anywhere"
    with pytest.raises(ValueError, match="Unknown language"):
        catalog_path("../../etc")


def test_no_english_in_the_ukrainian_texts():
    for key, forms in _entries("uk").items():
        for form in forms:
            text = re.sub(r"\{[^}]*\}", "", form)
            assert re.search("[а-яіїєґА-ЯІЇЄҐ]", text), key
            assert set(re.findall(r"[A-Za-z]{4,}", text)) <= LATIN_ALLOWED, (key, form)


def test_every_key_the_dashboard_asks_for_is_in_the_catalogs():
    keys = set(_entries("uk"))
    asked = set()
    for path in (REPO_ROOT / "dashboard").rglob("*.py"):
        asked |= set(re.findall(r"""\btr\(\s*["']([a-z0-9_]+)["']\s*[,)]""", path.read_text(encoding="utf-8")))
    assert len(asked) > 150
    assert asked - keys == set()

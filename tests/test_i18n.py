"""The product's gettext catalogs (analysis/locale/*/LC_MESSAGES/hromada_access.po: the dashboard's labels and the
library's): complete, consistent across languages, plural forms by the language's rules, no English in the Ukrainian
texts, every key the code asks for present, and the library's label tables read from them. Independent figures: the
PO files read with Babel directly, the Ukrainian forms by hand."""

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
    "katottg", "category", "cnap", "centre", "remote", "workplace", "settlement", "OCHA", "Data", "texty",
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
            text = re.sub(r"[\w:]+=[\w:|]+", "", text)  # OSM tags (wheelchair=yes) are data, not English
            text = re.sub(r"\b[\w-]+(\.[\w-]+)+\b", "", text)  # domains (data.gov.ua)
            assert re.search("[а-яіїєґА-ЯІЇЄҐ]", text), key
            assert set(re.findall(r"[A-Za-z]{4,}", text)) <= LATIN_ALLOWED, (key, form)


def test_every_key_the_code_asks_for_is_in_the_catalogs():
    keys = set(_entries("uk"))
    asked = set()
    for folder in ("dashboard", "analysis"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            asked |= set(re.findall(r"""\b(?:tr|text|labels|note)\(\s*["']([a-z0-9_.]+)["']\s*[,)]""", source))
    assert len(asked) > 180
    assert asked - keys == set()


def test_library_label_tables_come_from_the_catalogs():
    from analysis.barrier_free.checklist import CHECKLIST
    from analysis.barrier_free.status import RULES, STATUS_LABELS
    from analysis.metrics.coverage import STATUS_LABELS as NORM_STATUS_LABELS
    from analysis.metrics.quality import FLAG_DEFINITIONS
    from analysis.reporting.compare import RANKING_HEADERS
    from analysis.routing.results import REASON_LABELS

    uk, en = _entries("uk"), _entries("en")
    assert STATUS_LABELS["unknown"] == {"uk": uk["bf.status.unknown"][0], "en": en["bf.status.unknown"][0]}
    assert all(RULES[rule]["uk"] == uk[f"bf.rule.{rule}"][0] for rule in RULES)
    assert all((item.label_uk, item.label_en) == (uk[f"bf.item.{item.id}"][0], en[f"bf.item.{item.id}"][0])
               for item in CHECKLIST)
    assert NORM_STATUS_LABELS["met"]["en"] == en["coverage.status.met"][0]
    assert all(FLAG_DEFINITIONS[f][1:] == (uk[f"quality.flag.{f}"][0], en[f"quality.flag.{f}"][0])
               for f in FLAG_DEFINITIONS)
    assert RANKING_HEADERS["rank"] == (uk["ranking.header.rank"][0], en["ranking.header.rank"][0])
    assert all(REASON_LABELS[r] == (uk[f"reason.{r}"][0], en[f"reason.{r}"][0]) for r in REASON_LABELS)


def test_library_sentences_take_the_plural_form_of_their_count():
    from analysis.barrier_free.coverage import reach_sentence

    row = {"population_covered_accessible": 100.0, "population_covered_if_unknown_accessible": 201.0,
           "population": 400.0, "population_covered_all": 300.0, "n_unknown": 1, "n_disagree": 1, "n_points": 3}
    assert reach_sentence(row, "uk") == ("Безбар'єрну точку в межах норми мають від 100 до 201 мешканця "
                                         "(25,0 % – 50,2 %): для 1 точки статус невідомий (з них для 1 джерела "
                                         "суперечать) — потрібне обстеження.")
    assert reach_sentence(row, "en") == ("Between 100 and 201 residents (25.0 % – 50.2 %) have a barrier-free point "
                                         "within the norm: status unknown for 1 point (1 of them: sources disagree) "
                                         "— survey needed.")
    known = dict(row, population_covered_if_unknown_accessible=22.0, n_unknown=0, n_disagree=0,
                 population_covered_accessible=22.0)
    assert reach_sentence(known, "uk") == "Безбар'єрну точку в межах норми мають 22 мешканці (5,5 %)."
    assert reach_sentence(dict(known, population_covered_accessible=1.0,
                               population_covered_if_unknown_accessible=1.0), "uk") == (
        "Безбар'єрну точку в межах норми має 1 мешканець (0,2 %).")

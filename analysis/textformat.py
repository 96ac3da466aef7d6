"""Numbers, plural forms and two-language notes: how every text of the product writes a figure.

One place for the conventions the dashboard, the HTML report, the CLI and the library's own notes share:

* :func:`fmt_int` — whole numbers with a narrow no-break space between thousands (``39 049``; the Ukrainian
  standard, and unambiguous in English too — a comma would read as a decimal separator in Ukrainian);
* :func:`fmt_num` / :func:`fmt_pct` — decimal comma in Ukrainian (``4,9``, ``53,8 %``), point in English;
* :func:`plural` — the Ukrainian forms after a number (1 населений пункт, 2 населені пункти, 5 населених пунктів)
  and the English ones, by the CLDR rules Babel ships (the same rules as the dashboard's gettext catalogs'
  ``Plural-Forms``);
* :class:`Note` — a note written in both languages: a ``str`` (``"uk / en"``, so every consumer that takes text keeps
  working) that also knows each language (:func:`note_text` picks one for a page in that language).
"""

from __future__ import annotations

import math
import re
from typing import Any, Sequence

NARROW_NBSP = "\u202f"


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def fmt_int(value: Any) -> str:
    """``42462.0`` -> ``"42 462"`` (narrow no-break space; ``"—"`` for missing)."""
    number = _finite(value)
    if number is None:
        return "—"
    return f"{int(round(number)):,}".replace(",", NARROW_NBSP)


def fmt_num(value: Any, lang: str = "uk", digits: int = 1) -> str:
    """``3.14`` -> ``"3,1"`` in Ukrainian (decimal comma), ``"3.1"`` in English; ``"—"`` for missing/infinite."""
    number = _finite(value)
    if number is None:
        return "—"
    text = f"{number:,.{digits}f}".replace(",", NARROW_NBSP)
    return text.replace(".", ",") if lang == "uk" else text


def fmt_pct(value: Any, lang: str = "uk", digits: int = 1) -> str:
    """A share (0–1) as a percentage: ``0.9579`` -> ``"95,8 %"`` (uk) / ``"95.8 %"`` (en); ``"—"`` for missing."""
    number = _finite(value)
    return "—" if number is None else f"{fmt_num(number * 100, lang, digits)} %"


#: CLDR plural categories in the order of the forms each language's texts give (and of its gettext catalog's
#: ``msgstr[i]``): Ukrainian one / few / many, English one / other. Ukrainian fractions (CLDR *other*) take the
#: *few* form (1,5 кілометра).
PLURAL_CATEGORIES: dict[str, tuple[str, ...]] = {"uk": ("one", "few", "many"), "en": ("one", "other")}


def plural_form(n: Any, lang: str = "uk") -> int:
    """Index of the plural form for ``n`` (CLDR rules from Babel): Ukrainian 0 one / 1 few / 2 many (fractions:
    few), English 0 one / 1 other; a missing ``n`` takes the last form."""
    from babel import Locale

    lang = lang if lang in PLURAL_CATEGORIES else "uk"
    categories = PLURAL_CATEGORIES[lang]
    number = _finite(n)
    if number is None:
        return len(categories) - 1
    category = Locale.parse(lang).plural_form(abs(int(number)) if number == int(number) else abs(number))
    if category in categories:
        return categories.index(category)
    return 1 if lang == "uk" else len(categories) - 1


def plural(n: Any, forms: Sequence[str], lang: str = "uk") -> str:
    """The word form for ``n``: ``forms`` = (one, few, many) in Ukrainian, (one, other) in English."""
    index = plural_form(n, lang)
    return forms[min(index, len(forms) - 1)]


class Note(str):
    """A note in Ukrainian and English. As a string it is ``"uk / en"``; :attr:`uk` / :attr:`en` hold each."""

    uk: str
    en: str

    def __new__(cls, uk: str, en: str) -> "Note":
        obj = super().__new__(cls, f"{uk} / {en}" if uk != en else en)
        obj.uk, obj.en = uk, en
        return obj

    def __getnewargs__(self) -> tuple[str, str]:  # pickling (Streamlit's cache) keeps both languages
        return self.uk, self.en

    def text(self, lang: str = "uk") -> str:
        return self.uk if lang == "uk" else self.en


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")


def escape_markdown(value: Any) -> str:
    """``value`` as literal text inside Markdown (every Markdown/HTML special character backslash-escaped): for any
    string a user gave (a file name, a column) shown in a Markdown widget."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(value))


def note_text(note: Any, lang: str = "uk") -> str:
    """A note in ``lang`` when it is a :class:`Note`; any other text as it is."""
    return note.text(lang) if isinstance(note, Note) else str(note)

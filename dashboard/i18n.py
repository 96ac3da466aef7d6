"""Ukrainian/English labels of the dashboard (Ukrainian by default), from gettext catalogs.

Every label the dashboard shows is a message of the ``dashboard`` domain in ``dashboard/locale/<lang>/LC_MESSAGES/
dashboard.po`` (GNU gettext PO files, read with Babel). The ``msgid`` is a stable key (``"kpi_covered"``), the
``msgstr`` the text in that language; texts that follow a number are plural entries with one ``msgstr[i]`` per form
of the language's ``Plural-Forms`` header (Ukrainian: one / few / many — 1 населений пункт, 2 населені пункти,
5 населених пунктів; English: one / other), chosen by the value ``n``. A translator edits only the ``.po`` files
(any PO editor, or ``pybabel``); the catalogs are compiled in memory when first used, so there is no compiled file
to go stale. :func:`tr` falls back to Ukrainian, then to the key.

Number formatting (:func:`fmt_int`, :func:`fmt_num`, :func:`fmt_pct`) comes from :mod:`analysis.textformat`: a
narrow no-break space between thousands and, in Ukrainian, a decimal comma.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path
from typing import NamedTuple

from analysis.textformat import fmt_int, fmt_num, fmt_pct, note_text, plural  # noqa: F401

LANGUAGES = {"uk": "Українська", "en": "English"}
#: gettext domain and folder of the catalogs.
DOMAIN = "dashboard"
LOCALE_DIR = Path(__file__).resolve().with_name("locale")


class Catalog(NamedTuple):
    """One language's compiled messages: the gettext translations and which keys are plural entries."""

    translations: gettext.GNUTranslations
    keys: frozenset[str]
    plural_keys: frozenset[str]


def catalog_path(lang: str) -> Path:
    """The PO file of ``lang`` (one of :data:`LANGUAGES`)."""
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}; available: {', '.join(LANGUAGES)}.")
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.lru_cache(maxsize=None)
def load_catalog(lang: str) -> Catalog:
    """The catalog of ``lang``: its PO file read with Babel and compiled (in memory) for :mod:`gettext`."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(catalog_path(lang), "rb") as handle:
        po = read_po(handle, locale=lang, domain=DOMAIN)
    keys, plural_keys = set(), set()
    for message in po:
        if not message.id:
            continue
        key = message.id[0] if message.pluralizable else message.id
        keys.add(key)
        if message.pluralizable:
            plural_keys.add(key)
    compiled = io.BytesIO()
    write_mo(compiled, po)
    compiled.seek(0)
    return Catalog(gettext.GNUTranslations(compiled), frozenset(keys), frozenset(plural_keys))


def _message(catalog: Catalog, key: str, n) -> str:
    if key in catalog.plural_keys:
        try:
            count = abs(int(float(n)))
        except (TypeError, ValueError, OverflowError):
            count = 5  # no usable count: the "many"/"other" form
        return catalog.translations.ngettext(key, key, count)
    return catalog.translations.gettext(key)


def tr(key: str, lang: str = "uk", **values) -> str:
    """The label ``key`` in ``lang`` (falls back to Ukrainian, then to the key itself), filled with ``values``.

    Plural entries take the form for ``values["n"]`` (the catalog's ``Plural-Forms``); integer values are written
    with :func:`fmt_int`."""
    catalog = load_catalog(lang if lang in LANGUAGES else "uk")
    if key not in catalog.keys:
        catalog = load_catalog("uk")
        if key not in catalog.keys:
            return key
    text = _message(catalog, key, values.get("n"))
    if not values:
        return text
    shown = {k: fmt_int(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in values.items()}
    return text.format(**shown)

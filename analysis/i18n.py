"""Texts in Ukrainian and English from gettext catalogs: the dashboard's labels and the library's own.

One catalog per language, ``analysis/locale/<lang>/LC_MESSAGES/hromada_access.po`` (GNU gettext PO, read with
Babel and compiled in memory when first used, so no compiled file can go stale). Each ``msgid`` is a stable key —
the dashboard's (``"kpi_covered"``) and the library's, named after their module (``"bf.status.accessible"``,
``"coverage.status.met"``) — and the ``msgstr`` the text. Texts that follow a number are plural entries with one
``msgstr[i]`` per form of the catalog's ``Plural-Forms`` (Ukrainian one / few / many: 1 населений пункт,
2 населені пункти, 5 населених пунктів; English one / other), chosen by the value ``n``. A translator edits the
``.po`` files only (any PO editor or ``pybabel``).

* :func:`text` — a key in one language, filled with values (falls back to Ukrainian, then to the key);
* :func:`labels` — a key in every language, ``{"uk": …, "en": …}``, the shape the library's label tables have;
* :func:`note` — a key as a :class:`analysis.textformat.Note` (both languages, one string).

Error messages stay in the code that raises them (each one written once in both languages).
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path
from typing import NamedTuple

from analysis.textformat import Note, fmt_int

#: Languages of the catalogs, with their own names.
LANGUAGES: dict[str, str] = {"uk": "Українська", "en": "English"}
#: gettext domain and folder of the catalogs.
DOMAIN = "hromada_access"
LOCALE_DIR = Path(__file__).resolve().with_name("locale")


class Catalog(NamedTuple):
    """One language's compiled messages: the gettext translations and which keys are plural entries."""

    translations: gettext.GNUTranslations
    keys: frozenset[str]
    plural_keys: frozenset[str]


def catalog_path(lang: str) -> Path:
    """The PO file of ``lang`` (one of :data:`LANGUAGES`; anything else is refused, never made into a path)."""
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
            count = 5  # no usable count: the "many" / "other" form
        return catalog.translations.ngettext(key, key, count)
    return catalog.translations.gettext(key)


def text(key: str, lang: str = "uk", **values) -> str:
    """The text ``key`` in ``lang`` (falls back to Ukrainian, then to the key itself), filled with ``values``.

    Plural entries take the form for ``values["n"]`` (the catalog's ``Plural-Forms``); integer values are written
    with :func:`analysis.textformat.fmt_int`."""
    catalog = load_catalog(lang if lang in LANGUAGES else "uk")
    if key not in catalog.keys:
        catalog = load_catalog("uk")
        if key not in catalog.keys:
            return key
    message = _message(catalog, key, values.get("n"))
    if not values:
        return message
    shown = {k: fmt_int(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in values.items()}
    return message.format(**shown)


def labels(key: str, **values) -> dict[str, str]:
    """``{"uk": …, "en": …}``: the text ``key`` in every language of :data:`LANGUAGES`."""
    return {lang: text(key, lang, **values) for lang in LANGUAGES}


def note(key: str, **values) -> Note:
    """The text ``key`` as a two-language :class:`~analysis.textformat.Note`."""
    return Note(text(key, "uk", **values), text(key, "en", **values))


def label_table(prefix: str, ids) -> dict[str, dict[str, str]]:
    """``{id: {"uk": …, "en": …}}`` for the keys ``<prefix>.<id>``: a label table (statuses, rules, headers) read
    from the catalogs."""
    return {item: labels(f"{prefix}.{item}") for item in ids}

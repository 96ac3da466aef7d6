"""Matching settlement names in Mintsyfra registry addresses (Ukrainian word forms)."""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.sources.admin import APOSTROPHE_TABLE, normalise_text

FUZZY_CUTOFF = 0.85


# Settlement-type words that precede a settlement name ("с.", "смт", "м.", "село", "у селі", "селища" …).
_MARKER = (
    r"(?<![\w'])(?P<marker>(?i:смт\.?|с-ще|сел\.|[сc]\.|м\.|село|селі|села|селом|селище|селищі|селища|селищем"
    r"|місто|місті|міста))"
)


_WORD = r"[A-ZА-ЯІЇЄҐ][\w'\-]*"


_MENTION_RE = re.compile(_MARKER + r"\s*(?P<name>" + _WORD + r"(?:\s+" + _WORD + r"){0,2})")


_STAROSTA_RE = re.compile(
    r"(?P<adj>[A-ZА-ЯІЇЄҐ][\w'\-]*?)(?P<cluster>ськ|цьк|зьк)(?:ому|ого|ий|ім|им|а|ої|ій|е|ому)\s+"
    r"(?:(?:сільськ|селищн|міськ)\w*\s+)?старост\w*",
)


_HROMADA_IN_ADDRESS_RE = re.compile(
    r"([\w'\-]+)\s+(?:(?:міськ|сільськ|селищн)\w*\s+)?територіальн\w*\s+громад\w*", re.IGNORECASE
)


_OBLAST_IN_ADDRESS_RE = re.compile(r"([\w'\-]+)\s+област", re.IGNORECASE)


_APOSTROPHE_RE = r"[’ʼ`′‘ʹ]"


_LATIN_LOOKALIKES = str.maketrans({"i": "і", "a": "а", "o": "о", "e": "е", "c": "с", "p": "р", "x": "х",
                                   "y": "у", "k": "к", "m": "м", "t": "т", "h": "н", "b": "в", "ґ": "г"})


# Final-consonant alternations before -ськ-/-цьк-/-зьк- and in the locative (к/ц/ч, г/з/ж, х/с/ш).
_ALTERNATION = {"к": "ц", "ч": "ц", "ц": "ц", "г": "з", "ж": "з", "з": "з", "х": "с", "ш": "с", "с": "с"}


# ----------------------------------------------------------------------------------------------------------------
# Text normalisation and Ukrainian inflection
# ----------------------------------------------------------------------------------------------------------------
def _key(text: Any) -> str:
    """Matching key: casefolded, apostrophes unified, Latin look-alikes → Cyrillic, ґ → г, no spaces around hyphens."""
    text = normalise_text(text).translate(_LATIN_LOOKALIKES)
    return re.sub(r"\s*-\s*", "-", text)


def _word_forms(word: str) -> set[str]:
    """Nominative, locative, genitive and dative/instrumental-like forms of one (lower-case) name word.

    Deliberately over-generates: matches are only looked up among the settlements of one hromada.
    """
    forms = {word}
    if len(word) < 3:
        return forms
    stem1, last = word[:-1], word[-1]
    if word.endswith(("ий", "ій")):  # masculine adjective: Малий → Малому, Малого
        stem = word[:-2]
        soft = "ь" if word.endswith("ій") else ""
        forms |= {stem + soft + e for e in ("ому", "ого", "ім", "им")}
    elif last in "ая":
        # feminine noun: Комарівка → Комарівці/Комарівки; adjective: Велика → Великій/Великої
        alternated = stem1[:-1] + {"к": "ц", "г": "з", "х": "с"}.get(stem1[-1], stem1[-1])
        forms |= {alternated + "і", stem1 + "і", stem1 + "и", stem1 + "ою", stem1 + "у", stem1 + "ю"}
        forms |= {stem1 + "ій", stem1 + "ої", stem1 + "ьої"}
        if word.endswith("ія"):
            forms |= {word[:-1] + "ї"}
    elif last in "еєо":
        # neuter noun (Літовище → Літовищі) or adjective-form name (Шевченкове → Шевченковому)
        forms |= {stem1 + "і", stem1 + "ому", stem1 + "ого", stem1 + "ім", stem1 + "а", stem1 + "у"}
    elif last in "иі":
        # plural: Броди → Бродах/Бродів, Шипинці → Шипинцях/Шипинців
        forms |= {stem1 + "ах", stem1 + "ях", stem1 + "ів", stem1 + "ям", stem1 + "ам", stem1}
    elif last == "ї":  # Гаї → Гаях, Гаїв
        forms |= {stem1 + "ях", word + "в", stem1 + "ям"}
    else:
        # consonant: Чернятин → Чернятині/Чернятина, Виноград → Винограді/Винограду, Шнирів → Шнирові
        base = word[:-1] if last == "ь" else word
        forms |= {base + e for e in ("і", "у", "ові", "а", "я", "ю", "еві", "ом")}
        if word.endswith(("ів", "їв")):
            o = word[:-2] + ("ов" if word.endswith("ів") else "єв")
            forms |= {o + e for e in ("і", "а", "у", "ом")}
        if word.endswith("ець"):
            stem = word[:-3] + "ц"
            forms |= {stem + e for e in ("і", "я", "ю", "ем")}
        if word.endswith(("ок", "ик")) or word.endswith("ек"):
            forms |= {word + e for e in ("у", "а")}
    return forms


def name_forms(name: str) -> set[str]:
    """Case forms of a settlement name (matching keys): every word (also each part of a hyphenated name) inflected.

    >>> sorted(f for f in name_forms("Малий Орчик") if f.startswith("малому"))[:2]
    ['малому орчик', 'малому орчика']
    """
    key = _key(name)
    tokens = re.split(r"([\s\-])", key)
    words = tokens[0::2]
    seps = tokens[1::2]
    per_word = [sorted(_word_forms(w)) for w in words]
    if len(words) == 1:
        return set(per_word[0])
    forms = set()
    if np.prod([len(f) for f in per_word]) <= 2000:
        for combo in itertools.product(*per_word):
            forms.add("".join(w + (seps[i] if i < len(seps) else "") for i, w in enumerate(combo)))
    forms.add(key)
    return forms


def _alt(stem: str) -> str:
    return stem[:-1] + _ALTERNATION.get(stem[-1], stem[-1]) if stem else stem


def adjective_stems(name: str) -> set[str]:
    """Stems that the adjective of a settlement name is formed from (before -ськ-/-цьк-/-зьк-), alternated.

    Examples: Бердянка → бердян(ський), Леб'яже → леб'яз(ький), Малий Орчик → малоорчиц(ький),
    Нове Мажарове → новомажарів(ський), Шипинці → шипинец(ький), Дружба → дружбів(ський).
    """
    words = _key(name).replace("-", " ").split()
    if not words:
        return set()

    def single(word: str) -> set[str]:
        stems = {word}
        if word.endswith(("ка", "га", "ха")):
            stems |= {word[:-2], word[:-1] + "ів"}
        if word[-1] in "аяеєоиіїь":
            stem = word[:-1]
            stems |= {stem, stem + "ів"}
            if word[-1] in "ае":
                stems |= {stem + "ан", stem + "ен"}  # Люджа → люджанський, Нове → новенський
            if word[-1] == "я":
                stems.add(stem + "ян")  # Казарня → казарнянський
            if word[-1] == "ї":
                stems.add(word + "в")
            if re.search(r"[бвгґджзклмнпрстфхцчшщ][кц]$", stem):
                stems.add(stem[:-1] + "е" + stem[-1])  # fleeting е: Шипинці → шипинецький
            if re.search(r"[оеє]в$", stem):
                stems.add(stem[:-2] + ("ї" if stem.endswith("єв") else "і") + "в")  # Мажарове → мажарівський
        if word.endswith(("ець",)):
            stems.add(word[:-1])
        adjectival = re.match(r"(.+?)(ськ|цьк|зьк)(е|а|ий|і)$", word)
        if adjectival:  # Холмське → холм(ський), Донецьке → донец(ький)
            stems.add(adjectival.group(1) + {"ськ": "", "цьк": "ц", "зьк": "з"}[adjectival.group(2)])
        if word.endswith("с"):
            stems.add(word[:-1])
        return {s for s in stems if len(s) >= 2}

    last = single(words[-1])
    if len(words) == 1:
        stems = last
    else:
        first = words[0]
        prefix = re.sub(r"(ий|ій|а|я|е|є|і)$", "", first) + "о"
        stems = {prefix + s for s in last} | last
    return {_alt(s) for s in stems} | stems


# ----------------------------------------------------------------------------------------------------------------
# Settlement matcher
# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Match:
    position: int  # row position in the settlements table
    method: str  # "exact" | "fuzzy" | "former_name"
    text: str  # text fragment that was matched


#: Settlement kind a type word announces; compatible categories in order of preference.
_MARKER_KINDS: dict[str, tuple[str, ...]] = {
    "city": ("city",),
    "selyshche": ("selyshche", "city"),
    "village": ("village", "selyshche"),
}


_CATEGORY_KIND = {"city": "city", "town": "city", "selyshche": "selyshche", "village": "village",
                  "hamlet": "village", "isolated_dwelling": "village"}


def _marker_kind(marker: str) -> str | None:
    m = marker.lower().rstrip(".").replace("c", "с")
    if m in {"м", "місто", "місті", "міста"}:
        return "city"
    if m in {"смт", "с-ще", "селище", "селищі", "селища", "селищем"}:
        return "selyshche"
    if m in {"с", "село", "селі", "села", "селом"}:
        return "village"
    return None  # "сел." is either


class SettlementMatcher:
    """Looks up settlement names (in any case form) among the settlements of one hromada.

    Parameters
    ----------
    settlements
        Table with ``name`` and optionally ``category`` (city/selyshche/village…) and ``katottg``.
    aliases
        Optional former names: a table with ``katottg`` and ``name`` (e.g. from
        :func:`analysis.datasets.settlement_former_names`); matches through them get method ``former_name``.
    """

    def __init__(self, settlements: pd.DataFrame, aliases: pd.DataFrame | None = None) -> None:
        names = settlements["name"].astype("string").fillna("")
        self.keys = [_key(n) for n in names]
        category = (settlements["category"].astype("string") if "category" in settlements.columns
                    else pd.Series(pd.NA, index=settlements.index, dtype="string"))
        self.kinds = [_CATEGORY_KIND.get(str(c).lower()) if pd.notna(c) else None for c in category]
        self.forms: dict[str, set[int]] = {}
        self.adjectives: dict[str, set[int]] = {}
        for position, name in enumerate(names):
            if not name:
                continue
            for form in name_forms(name):
                self.forms.setdefault(form, set()).add(position)
            for stem in adjective_stems(name):
                self.adjectives.setdefault(stem, set()).add(position)
        self.alias_forms: dict[str, set[int]] = {}
        if aliases is not None and len(aliases) and "katottg" in settlements.columns:
            by_code = {code: i for i, code in enumerate(settlements["katottg"].astype("string")) if pd.notna(code)}
            for code, alias in zip(aliases["katottg"].astype("string"), aliases["name"].astype("string")):
                position = by_code.get(code)
                if position is None or pd.isna(alias) or _key(alias) == self.keys[position]:
                    continue
                for form in name_forms(alias):
                    self.alias_forms.setdefault(form, set()).add(position)

    def _choose(self, positions: set[int], kind: str | None) -> tuple[int | None, bool]:
        """The one position compatible with the type word (preferring its own kind); (None, conflict?)."""
        if not positions:
            return None, False
        if kind is None:
            return (next(iter(positions)), False) if len(positions) == 1 else (None, False)
        known = {p for p in positions if self.kinds[p] is not None}
        unknown = positions - known
        for preferred in _MARKER_KINDS[kind]:
            same = {p for p in known if self.kinds[p] == preferred}
            if len(same) == 1 and not unknown:
                return next(iter(same)), False
            if same:
                break
        compatible = {p for p in known if self.kinds[p] in _MARKER_KINDS[kind]} | unknown
        if len(compatible) == 1:
            return next(iter(compatible)), False
        return None, not compatible

    def match_phrase(self, phrase: str, marker: str | None = None) -> tuple[_Match | None, str | None]:
        """Longest prefix (3, 2, 1 words) of ``phrase`` that names exactly one settlement; exact before fuzzy.

        Returns the match, or None and a problem description ("type conflict" when the only settlements of
        that name are of another kind than the type word says, e.g. "смт X" but X is a village).
        """
        kind = _marker_kind(marker) if marker else None
        words = _key(phrase).split()
        raw_words = phrase.split()
        candidates = [(" ".join(words[:n]), " ".join(raw_words[:n])) for n in range(len(words), 0, -1)]
        conflict = False
        for table, method in ((self.forms, "exact"), (self.alias_forms, "former_name")):
            for text, raw in candidates:
                position, clash = self._choose(table.get(text, set()), kind)
                conflict |= clash
                if position is not None:
                    return _Match(position, method, raw), None
        for text, raw in candidates:
            close = difflib.get_close_matches(text, list(dict.fromkeys(self.keys)), n=1, cutoff=FUZZY_CUTOFF)
            if close:
                positions = {i for i, k in enumerate(self.keys) if k == close[0]}
                position, clash = self._choose(positions, kind)
                conflict |= clash
                if position is not None:
                    return _Match(position, "fuzzy", raw), None
        if conflict:
            return None, f"{marker} {phrase} (type conflict: a settlement of that name here is of another kind)"
        return None, phrase

    def mentions(self, text: Any) -> tuple[list[_Match], list[str]]:
        """Settlements named after a settlement-type word in ``text``; and the names that matched nothing."""
        if not isinstance(text, str):
            return [], []
        matches, unmatched = [], []
        for found in _MENTION_RE.finditer(text.translate(APOSTROPHE_TABLE)):
            hit, problem = self.match_phrase(found.group("name"), found.group("marker"))
            if hit is None:
                unmatched.append(problem)
            else:
                matches.append(hit)
        return matches, unmatched

    def starosta(self, text: Any) -> tuple[_Match | None, str | None]:
        """The settlement a starosta-district adjective ("Бердянському старостинському округу") is formed from."""
        if not isinstance(text, str):
            return None, None
        found = _STAROSTA_RE.search(text.translate(APOSTROPHE_TABLE))
        if found is None:
            return None, None
        base = _key(found.group("adj")).replace("-", "")
        cluster = found.group("cluster")
        stem = base + {"ськ": "", "цьк": "ц", "зьк": "з"}[cluster]
        raw = found.group(0)
        for candidate in dict.fromkeys([stem, _alt(stem), base]):
            hit = self.adjectives.get(candidate)
            if hit and len(hit) == 1:
                return _Match(next(iter(hit)), "exact", raw), raw
        close = difflib.get_close_matches(stem, list(self.adjectives), n=1, cutoff=FUZZY_CUTOFF)
        positions = {p for c in close for p in self.adjectives[c]}
        if len(positions) == 1:
            return _Match(next(iter(positions)), "fuzzy", raw), raw
        return None, raw


# ----------------------------------------------------------------------------------------------------------------
# Row selection
# ----------------------------------------------------------------------------------------------------------------
def _genitive(adjective: str) -> str:
    """Feminine adjective → genitive: Бродівська → Бродівської, Верхня → Верхньої."""
    if adjective.endswith("я"):
        return adjective[:-1] + "ьої"
    if adjective.endswith("а"):
        return adjective[:-1] + "ої"
    return adjective


def _adjective_root(word: str) -> str:
    """"Бродівська"/"Бродівське"/"Бродівський" → "бродівськ" (the registry sometimes mistypes the gender)."""
    return re.sub(r"(а|е|ий|ої|ій|я|є)$", "", word)

"""Service-point taxonomy: categories, labels and OSM tag rules, read from ``data/service_taxonomy.json``.

The JSON file is the single place where categories are defined (Ukrainian/English labels, the group a norm
applies to, the OSM tag rules that find them). This module only reads and applies it.

Example
-------
>>> tax = load_taxonomy()
>>> tax.classify({"amenity": "post_office", "name": "Укрпошта"})
'post_office'
>>> tax.classify({"office": "government", "name": "ЦНАП Бродівської міської ради"})
'cnap_centre'
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from analysis.errors import DataError

#: The taxonomy file shipped with the project.
DEFAULT_TAXONOMY_PATH = Path(__file__).resolve().parents[2] / "data" / "service_taxonomy.json"


_NAME_KEYS = ("name", "name:uk", "official_name", "short_name", "name:en")


#: Tags to ask Overpass for when a rule matches by name only (named government offices / town halls).
_NAME_ONLY_QUERY_TAGS = {"office": ["government"], "amenity": ["townhall", "social_facility"]}


@dataclass(frozen=True)
class Rule:
    tags: Mapping[str, Any]
    name_regex: re.Pattern | None

    def matches(self, tags: Mapping[str, Any]) -> bool:
        for key, wanted in self.tags.items():
            value = tags.get(key)
            if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
                return False
            if wanted == "*":
                continue
            allowed = wanted if isinstance(wanted, list) else [wanted]
            if str(value) not in allowed:
                return False
        if self.name_regex is not None:
            names = " | ".join(str(tags[k]) for k in _NAME_KEYS if isinstance(tags.get(k), str))
            if not self.name_regex.search(names):
                return False
        return True


@dataclass(frozen=True)
class Category:
    """One service category (e.g. ``cnap_remote_workplace``)."""

    id: str
    group: str
    label_uk: str
    label_en: str
    optional: bool
    rules: tuple[Rule, ...]
    registry_name_regex: re.Pattern | None = None

    def label(self, lang: str = "uk") -> str:
        return self.label_uk if lang == "uk" else self.label_en


@dataclass(frozen=True)
class Taxonomy:
    """All categories and groups, in matching order."""

    categories: tuple[Category, ...]
    groups: Mapping[str, Mapping[str, str]]

    def __getitem__(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(f"Unknown service category {category_id!r}; known: {', '.join(self.ids())}")

    def ids(self, include_optional: bool = True) -> list[str]:
        return [c.id for c in self.categories if include_optional or not c.optional]

    def group_of(self, category_id: str) -> str:
        return self[category_id].group

    def categories_in_group(self, group: str) -> list[str]:
        return [c.id for c in self.categories if c.group == group]

    def group_label(self, group: str, lang: str = "uk") -> str:
        entry = self.groups.get(group, {})
        return entry.get(f"label_{lang}", group)

    def classify(self, tags: Mapping[str, Any], include_optional: bool = True) -> str | None:
        """The id of the first category whose rules match the OSM ``tags``, or None."""
        for category in self.categories:
            if category.optional and not include_optional:
                continue
            if any(rule.matches(tags) for rule in category.rules):
                return category.id
        return None

    def classify_table(self, table: pd.DataFrame, include_optional: bool = True) -> pd.Series:
        """Classify every row of a table whose columns are OSM tag keys; returns category ids (NA if none)."""
        keys = [c for c in table.columns if isinstance(c, str)]
        records = table[keys].to_dict("records")
        result = [self.classify({k: v for k, v in r.items() if isinstance(v, str)}, include_optional) for r in records]
        return pd.Series(result, index=table.index, dtype="string")

    def classify_registry_name(self, name: str) -> str:
        """Category of a Mintsyfra ЦНАП registry row from its name (remote workplace, starosta office, branch, centre)."""
        text = (name or "").lower()
        for category in self.categories:
            if category.group == "cnap" and category.registry_name_regex is not None:
                if category.registry_name_regex.search(text):
                    return category.id
        return "cnap_centre"

    def osm_query_tags(self, include_optional: bool = False) -> dict[str, bool | list[str]]:
        """Tags for an Overpass/osmnx features query that returns every candidate of every category.

        Rules that match by name only are covered by asking for named government offices and town halls.
        """
        query: dict[str, set[str] | bool] = {}

        def add(key: str, values: Any) -> None:
            if values == "*" or values is True:
                query[key] = True
                return
            if query.get(key) is True:
                return
            bucket = query.setdefault(key, set())
            bucket.update(values if isinstance(values, list) else [values])

        for category in self.categories:
            if category.optional and not include_optional:
                continue
            for rule in category.rules:
                if not rule.tags:
                    for key, values in _NAME_ONLY_QUERY_TAGS.items():
                        add(key, values)
                for key, values in rule.tags.items():
                    add(key, values)
        return {k: (True if v is True else sorted(v)) for k, v in query.items()}


def _compile(pattern: str | None) -> re.Pattern | None:
    return None if pattern is None else re.compile(pattern, re.IGNORECASE)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Taxonomy:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"Cannot read the service taxonomy {path}: {exc}") from exc
    categories = []
    for entry in raw.get("categories", []):
        try:
            rules = tuple(Rule(tags=r.get("tags", {}), name_regex=_compile(r.get("name_regex"))) for r in entry["rules"])
            categories.append(
                Category(
                    id=entry["id"],
                    group=entry["group"],
                    label_uk=entry["label_uk"],
                    label_en=entry["label_en"],
                    optional=bool(entry.get("optional", False)),
                    rules=rules,
                    registry_name_regex=_compile(entry.get("registry_name_regex")),
                )
            )
        except (KeyError, re.error) as exc:
            raise DataError(f"Bad category {entry.get('id', '?')!r} in {path}: {exc}") from exc
    if not categories:
        raise DataError(f"The service taxonomy {path} defines no categories.")
    return Taxonomy(categories=tuple(categories), groups=raw.get("groups", {}))


def load_taxonomy(path: str | os.PathLike | None = None) -> Taxonomy:
    """Load the taxonomy (default: the project's ``data/service_taxonomy.json``)."""
    path = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
    if not path.exists():
        raise DataError(f"Service taxonomy file not found: {path}")
    return _load_cached(str(path), path.stat().st_mtime)

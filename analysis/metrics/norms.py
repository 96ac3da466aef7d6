"""Access norms: how far (in km and/or minutes) a service may be from the people it serves.

A :class:`Norm` names a kind of service (a taxonomy group, a list of taxonomy categories, or the special target
``"hromada_centre"``), one or two thresholds (``max_distance_km``, ``max_time_min``), the travel mode and the
source the thresholds come from. :mod:`analysis.coverage` checks every settlement against every norm.

Defaults (:data:`DEFAULT_NORMS`)
--------------------------------
``cnap_access``
    Every ЦНАП access point (group ``cnap``: centre, branch, remote workplace ВРМ, starosta office) within
    **14 km or 30 min** — the criterion of territorial accessibility of the Методичні рекомендації щодо критеріїв
    територіальної доступності центру надання адміністративних послуг, включаючи його територіальні підрозділи та
    віддалені (у тому числі пересувні) робочі місця адміністраторів, approved by an order (розпорядження) of the
    Cabinet of Ministers in June 2021 (:data:`SOURCE_CNAP`). Its criteria are distance **or** time ("критеріями
    територіальної доступності є відстань або час, що витрачається на дорогу"), the 30 min applying where transport
    infrastructure is developed ("за наявності розвинутої транспортної інфраструктури"); so the default
    ``combine`` is ``"any"`` — one limit met is enough. Planners who want both can switch to ``"all"``.
``hromada_centre``
    The hromada's administrative centre within **20 km (lower bound) / 25 km (upper bound)** — the accessibility
    zone of the Методика формування спроможних територіальних громад (CMU Resolution No. 214 of 08.04.2015, in
    the wording of Resolution No. 34 of 24.01.2020). Implemented with ``max_distance_km = 25`` (pass/fail) and
    ``strict_distance_km = 20`` (reported alongside).
``social_services``, ``post_office``
    30 min to the nearest social-service office / post office: **product defaults**, not legal standards; adjust
    them to the local standard.

Users add or edit norms with :func:`norms_from_table` / :func:`load_norms` (CSV or JSON) and
:func:`with_threshold`; every problem raises :class:`~analysis.errors.DataError` with a message that names the
norm and the field.

Table format (CSV columns / JSON keys)
--------------------------------------
``id`` (required, unique), ``label_uk``, ``label_en``, ``applies_to`` (a group name, ``hromada_centre``, or
category ids separated by ``;`` or ``,`` — a JSON list also works), ``max_distance_km``, ``max_time_min``
(at least one), ``mode`` (default ``drive``), ``source``, ``strict_distance_km``, ``combine`` (``all``: every
threshold must hold — default; ``any``: one is enough).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.i18n import text
from analysis.network.modes import PROFILES
from analysis.outputs import restore_neutralized
from analysis.sources.taxonomy import Taxonomy, load_taxonomy

#: Special ``applies_to`` target: the settlement that is the hromada's administrative centre.
HROMADA_CENTRE = "hromada_centre"


#: How several thresholds of one norm combine.
COMBINE_ALL = "all"


COMBINE_ANY = "any"


#: Column order of :func:`norms_to_table` (and of the CSV format).
NORM_COLUMNS: tuple[str, ...] = (
    "id", "label_uk", "label_en", "applies_to", "max_distance_km", "max_time_min", "mode", "source",
    "strict_distance_km", "combine",
)


SOURCE_CNAP = (
    "Методичні рекомендації щодо критеріїв територіальної доступності центру надання адміністративних послуг, "
    "включаючи його територіальні підрозділи та віддалені (у тому числі пересувні) робочі місця адміністраторів, "
    "схвалені розпорядженням Кабінету Міністрів України (засідання 2 червня 2021 р.; номер розпорядження не "
    "перевірено офлайн — див. zakon.rada.gov.ua): відстань до точки доступу ≤ 14 км АБО час у дорозі ≤ 30 хв "
    "(за наявності розвинутої транспортної інфраструктури) / Cabinet of Ministers order of June 2021 approving "
    "Mintsyfra's methodological recommendations on ЦНАП territorial accessibility: ≤ 14 km OR ≤ 30 min"
)
SOURCE_HROMADA_CENTRE = (
    "Методика формування спроможних територіальних громад, постанова КМУ № 214 від 08.04.2015 (в редакції "
    "постанови КМУ № 34 від 24.01.2020): зона доступності адміністративного центру 20 км (нижня межа) / 25 км "
    "(верхня межа) / Capable-hromada methodology, CMU Resolution 214 of 08.04.2015 as amended 2020"
)


SOURCE_PRODUCT_DEFAULT = (
    "Типове значення продукту — змініть відповідно до місцевого стандарту / "
    "product default, adjust to local standard"
)


def _default_taxonomy() -> Taxonomy:
    return load_taxonomy()


@dataclass(frozen=True)
class Norm:
    """One access norm (see the module docstring).

    Attributes
    ----------
    id
        Unique identifier (letters, digits, ``_``), used as a column value and in file names.
    label_uk, label_en
        Human labels.
    applies_to
        A taxonomy group (``"cnap"``), a tuple of category ids (``("cnap_centre", "cnap_branch")``) or
        :data:`HROMADA_CENTRE`. A single category id given as a string is turned into a one-element tuple.
    max_distance_km, max_time_min
        Thresholds; at least one must be given, each positive and finite.
    mode
        Travel mode the norm is meant for (a name from :data:`analysis.profiles.PROFILES`).
    source
        Citation of where the thresholds come from (or that they are a product default).
    strict_distance_km
        Optional stricter distance reported alongside (e.g. the 20 km lower bound of the hromada-centre zone);
        must not exceed ``max_distance_km``.
    combine
        ``"all"`` (default): a settlement meets the norm only if every given threshold holds; ``"any"``: one is
        enough.

    Raises
    ------
    DataError
        On a missing/negative/non-finite threshold, an unknown group/category/mode, or an empty id.
    """

    id: str
    label_uk: str
    label_en: str
    applies_to: str | tuple[str, ...]
    max_distance_km: float | None = None
    max_time_min: float | None = None
    mode: str = "drive"
    source: str = ""
    strict_distance_km: float | None = None
    combine: str = COMBINE_ALL

    def __post_init__(self) -> None:
        norm_id = str(self.id).strip() if self.id is not None else ""
        if not norm_id or norm_id.lower() == "nan":
            raise DataError("Норма без ідентифікатора / A norm has no id: give every norm a unique 'id'.")
        object.__setattr__(self, "id", norm_id)
        where = f"Норма / Norm '{norm_id}'"
        object.__setattr__(self, "label_uk", str(self.label_uk or norm_id))
        object.__setattr__(self, "label_en", str(self.label_en or self.label_uk or norm_id))
        object.__setattr__(self, "source", str(self.source or ""))
        for name in ("max_distance_km", "max_time_min", "strict_distance_km"):
            value = getattr(self, name)
            object.__setattr__(self, name, _threshold(value, name, where))
        if self.max_distance_km is None and self.max_time_min is None:
            raise DataError(
                f"{where}: немає порогу — задайте max_distance_km та/або max_time_min / no threshold: give "
                "max_distance_km and/or max_time_min."
            )
        if self.strict_distance_km is not None:
            if self.max_distance_km is None:
                raise DataError(f"{where}: strict_distance_km needs max_distance_km as well.")
            if self.strict_distance_km > self.max_distance_km:
                raise DataError(
                    f"{where}: strict_distance_km ({self.strict_distance_km:g}) must not exceed max_distance_km "
                    f"({self.max_distance_km:g})."
                )
        mode = str(self.mode or "drive").strip()
        if mode not in PROFILES:
            raise DataError(f"{where}: unknown mode {mode!r}; choose one of: {', '.join(sorted(PROFILES))}.")
        object.__setattr__(self, "mode", mode)
        combine = str(self.combine or COMBINE_ALL).strip().lower()
        if combine not in (COMBINE_ALL, COMBINE_ANY):
            raise DataError(f"{where}: combine must be 'all' or 'any', got {self.combine!r}.")
        object.__setattr__(self, "combine", combine)
        object.__setattr__(self, "applies_to", _normalise_target(self.applies_to, where, _default_taxonomy()))

    # ------------------------------------------------------------------------------------------------ helpers
    @property
    def is_hromada_centre(self) -> bool:
        """Whether the norm measures access to the hromada's administrative centre."""
        return self.applies_to == HROMADA_CENTRE

    @property
    def is_group(self) -> bool:
        """Whether ``applies_to`` is a whole taxonomy group."""
        return isinstance(self.applies_to, str) and not self.is_hromada_centre

    def categories(self, taxonomy: Taxonomy | None = None) -> list[str]:
        """Category ids the norm covers (empty for the hromada-centre norm)."""
        if self.is_hromada_centre:
            return []
        taxonomy = taxonomy or _default_taxonomy()
        if self.is_group:
            return taxonomy.categories_in_group(self.applies_to)
        return list(self.applies_to)

    def applies_to_text(self) -> str:
        """``applies_to`` as one string (categories joined by ``;``), as in the table format."""
        return self.applies_to if isinstance(self.applies_to, str) else ";".join(self.applies_to)

    def label(self, lang: str = "uk") -> str:
        return self.label_uk if lang == "uk" else self.label_en

    def thresholds_text(self, lang: str = "en") -> str:
        """E.g. ``"≤ 14 km and ≤ 30 min"`` / ``"≤ 14 км і ≤ 30 хв"``."""
        lang = "uk" if lang == "uk" else "en"
        km, minutes = text("norms.unit.km", lang), text("norms.unit.min", lang)

        def number(value: float) -> str:  # 14, 12.5 / 12,5 (no trailing zeros)
            return f"{value:g}".replace(".", ",") if lang == "uk" else f"{value:g}"

        parts = []
        if self.max_distance_km is not None:
            distance = f"≤ {number(self.max_distance_km)} {km}"
            if self.strict_distance_km is not None:
                distance = f"≤ {number(self.strict_distance_km)} / {number(self.max_distance_km)} {km}"
            parts.append(distance)
        if self.max_time_min is not None:
            parts.append(f"≤ {number(self.max_time_min)} {minutes}")
        return text(f"norms.joiner.{self.combine}", lang).join(parts)


    def meets(self, time_min, distance_km) -> np.ndarray:
        """Whether each (travel time, route length) meets the norm — the one norm check of the product.

        ``time_min`` and ``distance_km`` are the time and the length of the *same* route (the fastest one,
        :class:`analysis.routing.matrix.TravelMatrix`), arrays of any matching shape; NaN or inf never meet a
        threshold. The thresholds combine as ``combine`` says (``"all"``: every one; ``"any"``: one is enough).
        A settlement meets a norm when one service point of the kind does (:func:`analysis.metrics.coverage`).
        """
        time = np.asarray(time_min, dtype=float)
        dist = np.asarray(distance_km, dtype=float)
        checks = []
        with np.errstate(invalid="ignore"):
            if self.max_time_min is not None:
                checks.append(np.isfinite(time) & (time <= self.max_time_min))
            if self.max_distance_km is not None:
                checks.append(np.isfinite(dist) & (dist <= self.max_distance_km))
        return np.logical_and.reduce(checks) if self.combine == COMBINE_ALL else np.logical_or.reduce(checks)

    def meets_strict(self, distance_km) -> np.ndarray | None:
        """Whether each route length is within ``strict_distance_km`` (None when the norm has none)."""
        if self.strict_distance_km is None:
            return None
        dist = np.asarray(distance_km, dtype=float)
        with np.errstate(invalid="ignore"):
            return np.isfinite(dist) & (dist <= self.strict_distance_km)

    @property
    def search_limit_min(self) -> float | None:
        """How far (minutes) a search must go to decide this norm: the time threshold when every threshold must
        hold and there is one, else None (a route may meet the distance however long it takes)."""
        if self.max_time_min is not None and (self.combine == COMBINE_ALL or self.max_distance_km is None):
            return float(self.max_time_min)
        return None


def _threshold(value: Any, name: str, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if text == "":
            return None
        try:
            value = float(text)
        except ValueError:
            raise DataError(f"{where}: {name} must be a number, got {value!r}.") from None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{where}: {name} must be a number, got {value!r}.") from None
    if not math.isfinite(number) or number <= 0:
        raise DataError(
            f"{where}: поріг {name} має бути додатним числом / threshold {name} must be a positive finite number, "
            f"got {value!r}."
        )
    return number


def _split_targets(value: Any) -> list[str]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise DataError(f"applies_to {text!r} is not a valid JSON list.") from None
        else:
            return [part.strip() for part in text.replace(",", ";").split(";") if part.strip()]
    if isinstance(value, (list, tuple, set, frozenset, pd.Series)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [] if value is None else [str(value).strip()]


def _normalise_target(value: Any, where: str, taxonomy: Taxonomy) -> str | tuple[str, ...]:
    targets = _split_targets(value)
    if not targets:
        raise DataError(
            f"{where}: не вказано, до чого застосовується норма / applies_to is empty: give a service group "
            f"({', '.join(taxonomy.groups)}), category ids, or '{HROMADA_CENTRE}'."
        )
    groups = set(taxonomy.groups) | {c.group for c in taxonomy.categories}
    categories = set(taxonomy.ids())
    if len(targets) == 1 and (targets[0] == HROMADA_CENTRE or targets[0] in groups):
        return targets[0]
    if HROMADA_CENTRE in targets:
        raise DataError(f"{where}: '{HROMADA_CENTRE}' cannot be combined with other targets.")
    unknown = [t for t in targets if t not in categories and t not in groups]
    if unknown:
        raise DataError(
            f"{where}: невідома група або категорія / unknown service group or category: "
            f"{', '.join(map(repr, unknown))}. Groups: {', '.join(sorted(groups))}; categories: "
            f"{', '.join(taxonomy.ids())}; or '{HROMADA_CENTRE}'."
        )
    expanded: list[str] = []
    for target in targets:
        for category in taxonomy.categories_in_group(target) if target in groups else [target]:
            if category not in expanded:
                expanded.append(category)
    return tuple(expanded)


DEFAULT_NORMS: tuple[Norm, ...] = (
    Norm(
        id="cnap_access",
        label_uk=text("norms.default.cnap_access", "uk"),
        label_en=text("norms.default.cnap_access", "en"),
        applies_to="cnap",
        max_distance_km=14.0,
        max_time_min=30.0,
        mode="drive",
        source=SOURCE_CNAP,
        combine=COMBINE_ANY,
    ),
    Norm(
        id="hromada_centre",
        label_uk=text("norms.default.hromada_centre", "uk"),
        label_en=text("norms.default.hromada_centre", "en"),
        applies_to=HROMADA_CENTRE,
        max_distance_km=25.0,
        strict_distance_km=20.0,
        mode="drive",
        source=SOURCE_HROMADA_CENTRE,
    ),
    Norm(
        id="social_services",
        label_uk=text("norms.default.social_services", "uk"),
        label_en=text("norms.default.social_services", "en"),
        applies_to="social",
        max_time_min=30.0,
        mode="drive",
        source=SOURCE_PRODUCT_DEFAULT,
    ),
    Norm(
        id="post_office",
        label_uk=text("norms.default.post_office", "uk"),
        label_en=text("norms.default.post_office", "en"),
        applies_to="post",
        max_time_min=30.0,
        mode="drive",
        source=SOURCE_PRODUCT_DEFAULT,
    ),
)


def get_norm(norms: Iterable[Norm], norm_id: str) -> Norm:
    """The norm with this id (DataError listing the known ids otherwise)."""
    norms = list(norms)
    for norm in norms:
        if norm.id == norm_id:
            return norm
    raise DataError(f"Unknown norm {norm_id!r}; known: {', '.join(n.id for n in norms) or '—'}.")


def norm_for_group(norms: Iterable[Norm], group: str, taxonomy: Taxonomy | None = None) -> Norm | None:
    """The norm a service group is judged against: the first service norm covering any of the group's categories
    (None if no norm applies). Every page, the CLI and the notebooks pick a group's norm with this."""
    taxonomy = taxonomy or _default_taxonomy()
    wanted = set(taxonomy.categories_in_group(group)) or {group}
    for norm in norms:
        if not norm.is_hromada_centre and wanted.intersection(norm.categories(taxonomy)):
            return norm
    return None


def validate_norms(norms: Iterable[Norm], taxonomy: Taxonomy | None = None) -> tuple[Norm, ...]:
    """Check a set of norms: Norm objects, unique ids, targets known to ``taxonomy`` (default: the project's).

    Returns the norms as a tuple.
    """
    norms = tuple(norms)
    if not norms:
        raise DataError("Немає жодної норми / No norms given.")
    bad = [type(n).__name__ for n in norms if not isinstance(n, Norm)]
    if bad:
        raise DataError(f"Expected Norm objects, got: {', '.join(bad)}.")
    ids = [n.id for n in norms]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise DataError(f"Ідентифікатори норм повторюються / Duplicated norm ids: {', '.join(duplicated)}.")
    if taxonomy is not None:
        for norm in norms:
            if not norm.is_hromada_centre:
                _normalise_target(norm.applies_to, f"Norm '{norm.id}'", taxonomy)
    return norms


_UNSET: Any = object()


def with_threshold(
    norm: Norm,
    *,
    max_distance_km: float | None = _UNSET,
    max_time_min: float | None = _UNSET,
    strict_distance_km: float | None = _UNSET,
    **changes: Any,
) -> Norm:
    """A copy of ``norm`` with new thresholds (``None`` removes one) or other fields changed; validated.

    Examples
    --------
    >>> tighter = with_threshold(DEFAULT_NORMS[0], max_time_min=20)
    >>> tighter.max_time_min, tighter.max_distance_km
    (20.0, 14.0)
    """
    unknown = set(changes) - {f.name for f in dataclasses.fields(Norm)}
    if unknown:
        raise DataError(f"Unknown norm field(s): {', '.join(sorted(unknown))}.")
    if max_distance_km is not _UNSET:
        changes["max_distance_km"] = max_distance_km
        if max_distance_km is None and strict_distance_km is _UNSET:
            changes["strict_distance_km"] = None
    if max_time_min is not _UNSET:
        changes["max_time_min"] = max_time_min
    if strict_distance_km is not _UNSET:
        changes["strict_distance_km"] = strict_distance_km
    return dataclasses.replace(norm, **changes)


def norms_from_table(table: pd.DataFrame | Sequence[dict], taxonomy: Taxonomy | None = None) -> tuple[Norm, ...]:
    """Norms from a table (one row per norm; columns as in the module docstring).

    Raises
    ------
    DataError
        Missing ``id``/``applies_to`` column, a bad row (the message names the row and the norm), duplicated ids.
    """
    frame = pd.DataFrame(table)
    if frame.empty:
        raise DataError("Таблиця норм порожня / The norms table is empty.")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("id", "applies_to") if c not in frame.columns]
    if missing:
        raise DataError(
            f"У таблиці норм бракує стовпців / The norms table lacks column(s) {', '.join(missing)}; "
            f"found: {', '.join(frame.columns)}. Expected: {', '.join(NORM_COLUMNS)}."
        )
    unknown = [c for c in frame.columns if c not in NORM_COLUMNS]
    if unknown:
        raise DataError(f"Unknown column(s) in the norms table: {', '.join(unknown)}; allowed: {', '.join(NORM_COLUMNS)}.")
    norms = []
    for position, row in enumerate(frame.to_dict("records"), start=1):
        values = {k: (None if _is_missing(v) else v) for k, v in row.items()}
        try:
            norms.append(
                Norm(
                    id=values.get("id"),
                    label_uk=values.get("label_uk") or "",
                    label_en=values.get("label_en") or "",
                    applies_to=values.get("applies_to"),
                    max_distance_km=values.get("max_distance_km"),
                    max_time_min=values.get("max_time_min"),
                    mode=values.get("mode") or "drive",
                    source=values.get("source") or "",
                    strict_distance_km=values.get("strict_distance_km"),
                    combine=values.get("combine") or COMBINE_ALL,
                )
            )
        except DataError as exc:
            raise DataError(f"Рядок / row {position}: {exc}") from None
    return validate_norms(norms, taxonomy)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple)):
        return len(value) == 0
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def norms_to_table(norms: Iterable[Norm]) -> pd.DataFrame:
    """The norms as a table in the :func:`norms_from_table` format (round-trips)."""
    rows = []
    for norm in norms:
        row = dataclasses.asdict(norm)
        row["applies_to"] = norm.applies_to_text()
        rows.append(row)
    return pd.DataFrame(rows, columns=list(NORM_COLUMNS))


def load_norms(path: str | os.PathLike, taxonomy: Taxonomy | None = None) -> tuple[Norm, ...]:
    """Read norms from a CSV (``,`` or ``;`` separated, UTF-8) or JSON file (a list of objects, or
    ``{"norms": [...]}``)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Файл норм не знайдено / Norms file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            raw = json.loads(path.read_text(encoding="utf-8-sig"))
            records = raw.get("norms") if isinstance(raw, dict) else raw
            if not isinstance(records, list):
                raise DataError(f"{path}: expected a JSON list of norms (or an object with a 'norms' list).")
            table = pd.DataFrame(records)
        elif suffix in (".csv", ".txt"):
            table = restore_neutralized(pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig", dtype=str))
        else:
            raise DataError(f"{path}: unsupported norms file type {suffix!r}; use .csv or .json.")
    except (OSError, json.JSONDecodeError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"Не вдалося прочитати файл норм / Cannot read the norms file {path}: {exc}") from exc
    try:
        return norms_from_table(table, taxonomy)
    except DataError as exc:
        raise DataError(f"{path.name}: {exc}") from None


def save_norms(norms: Iterable[Norm], path: str | os.PathLike) -> Path:
    """Write norms as CSV or JSON (by suffix), atomically."""
    from analysis.outputs import atomic_path, write_csv

    path = Path(path)
    table = norms_to_table(norms)
    if path.suffix.lower() == ".json":
        records = [{k: v for k, v in r.items() if not _is_missing(v)} for r in table.to_dict("records")]
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({"norms": records}, ensure_ascii=False, indent=1), encoding="utf-8")
        return path
    return write_csv(table, path)

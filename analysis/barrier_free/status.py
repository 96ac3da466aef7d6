"""Barrier-free (безбар'єрна) status of service points: evidence from OSM, the ЦНАП registry and on-site surveys.

Every service point gets one status in :data:`STATUSES` — ``accessible``, ``partly``, ``not_accessible`` or
``unknown`` (UA/EN labels in :data:`STATUS_LABELS`). **Unknown is never treated as accessible**: it is shown as
unknown and counted separately everywhere (see :mod:`analysis.barrier_free_coverage`).

Checklist
---------
The status is built from the checklist items of :data:`CHECKLIST` (ДБН В.2.2-40:2018 "Інклюзивність будівель і
споруд" and the assessment card of the Порядок проведення моніторингу та оцінки ступеня безбар'єрності, CMU
Resolution No. 537 of 26.05.2021): step-free entrance or ramp, ramp slope ≤ 8 % (1:12), a landing after every
≤ 0.8 m of rise, handrails at 0.7 and 0.9 m on both sides, entrance door clear width ≥ 0.9 m, accessible WC,
accessible parking near the entrance, tactile guidance and Braille. **Key items** (:data:`KEY_ITEMS`) are the
step-free entrance and the accessible WC — the two things both OSM and the ЦНАП registry record.

Evidence (what each source says about which item)
-------------------------------------------------
OSM tags (columns named as the tag; from :func:`analysis.osm_import.read_osm` POIs):

* ``wheelchair=yes|designated`` → verdict *yes*, and *yes* for the step-free entrance and the door width (OSM
  defines ``yes`` as: enter without steps, all rooms reachable); ``wheelchair=limited`` → verdict *partly*;
  ``wheelchair=no`` → verdict *no* and *no* for the step-free entrance.
* ``ramp:wheelchair`` / ``ramp`` = ``yes`` → entrance *yes*; = ``no`` → entrance *no* only when the point has no
  ``wheelchair`` tag (a level entrance tagged ``wheelchair=yes`` needs no ramp).
* ``toilets:wheelchair=yes|designated`` → WC *yes*; ``no|limited`` → WC *no*.
* ``door:width`` (else ``width`` when below 3 m — wider values describe the building, not a door) in metres
  (``0.9``, ``0,9``, ``90 cm``, ``900 mm``; a bare ``door:width`` number above 10 is read as centimetres):
  ≥ 0.9 m → door *yes*, < 0.9 m → door *no* (ДБН В.2.2-40:2018 minimum clear width).
* ``entrance`` only says that the point is an entrance: listed in the evidence, no item value.

ЦНАП registry flags (Mintsyfra, self-reported, vintage ≈2022–mid-2023; 0/1/empty): ``disability`` → verdict
*yes*/*no*; ``pandus`` (ramp and stairs with handrails) → entrance *yes*/*no*; ``dis_sanit`` → WC *yes*/*no*;
``braille_mat`` → tactile/Braille *yes*/*no*. Empty = no evidence.

Survey answers (columns ``survey_<item>`` with ``survey_<item>_date``, written by :func:`apply_survey` from a
filled form, see :func:`read_survey`): *yes*/*no* per item; *unknown* answers are no evidence.

Combination rules
-----------------
1. **Per item.** If a survey answered the item, the newest survey answer is the item's value (surveys override the
   undated OSM and registry evidence). Otherwise any *no* wins over *yes* (conservative); no evidence → unknown.
2. **Status**, first matching rule (the rule id is kept in ``barrier_free_rule``, texts in :data:`RULES`):

   ``entrance_no``
       the step-free entrance resolves to *no* → ``not_accessible`` (so any explicit "no" about getting in —
       ``wheelchair=no``, ``pandus=0``, ``ramp=no`` — makes the point not accessible unless a survey says
       the entrance is step-free).
   ``all_key_yes``
       every key item is *yes* and no item is *no* → ``accessible``.
   ``osm_wheelchair_yes``
       OSM says ``wheelchair=yes|designated`` and no item is *no* → ``accessible`` (the OSM whole-building verdict).
   ``partial_evidence``
       anything positive (an item *yes*, or a verdict *yes*/*partly*) → ``partly``.
   ``negative_evidence_only``
       only negative evidence (items or verdicts *no*) → ``not_accessible``.
   ``no_evidence``
       nothing → ``unknown``.

   Item evidence is more specific than the overall verdicts, so verdicts only decide rules 3–5.
3. ``sources_disagree`` is True when pieces of evidence contradict each other: *yes* and *no* for the same item
   (from any sources, including a survey contradicting older data), *yes*/*partly* and *no* verdicts, or a
   *yes* verdict while the entrance has a *no* (or the reverse). Such points deserve a visit.

Output columns of :func:`assess_points`: ``barrier_free_status``, ``barrier_free_label_uk``,
``barrier_free_label_en``, ``barrier_free_rule``, ``barrier_free_evidence`` (e.g.
``"osm:wheelchair=yes; registry:pandus=0; survey 2026-05-01: ramp_slope=no"``), ``sources_disagree``,
``survey_date`` and one resolved value per item, ``bf_<item id>`` (``yes``/``no``/``unknown``).

Survey forms
------------
:func:`survey_form` / :func:`write_survey_form` list the points whose status is not ``accessible`` with one
yes/no/unknown column per checklist item plus survey date, surveyor and notes (XLSX with drop-down lists, UA+EN
headers and an instructions sheet; or CSV). Headers end in the machine id in brackets (``"… [door_width]"``),
which is what :func:`read_survey` reads back; answers may be ``так/ні/невідомо``, ``yes/no/unknown``, ``1/0``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.barrier_free.checklist import (
    _ANSWER_TOKENS,
    ITEM_IDS,
    KEY_ITEMS,
    MAX_PLAUSIBLE_DOOR_WIDTH_M,
    MIN_DOOR_WIDTH_M,
    REGISTRY_ITEM_FLAGS,
    REGISTRY_VERDICT_FLAG,
)
from analysis.errors import DataError

# ============================================================================================== vocabulary
#: Barrier-free statuses, best first.
STATUSES: tuple[str, ...] = ("accessible", "partly", "not_accessible", "unknown")


#: The one mapping of status -> UA/EN labels.
STATUS_LABELS: dict[str, dict[str, str]] = {
    "accessible": {"uk": "доступний", "en": "accessible"},
    "partly": {"uk": "частково доступний", "en": "partly accessible"},
    "not_accessible": {"uk": "недоступний", "en": "not accessible"},
    "unknown": {"uk": "невідомо", "en": "unknown"},
}


#: Status rules: id -> UA/EN description (the ids are the values of ``barrier_free_rule``).
RULES: dict[str, dict[str, str]] = {
    "entrance_no": {
        "uk": "вхід без сходинок/пандус: «ні» (OSM, реєстр або обстеження) → недоступний",
        "en": "step-free entrance is 'no' (OSM, registry or survey) → not accessible",
    },
    "all_key_yes": {
        "uk": "усі ключові пункти «так» (вхід, вбиральня), жодного «ні» → доступний",
        "en": "all key items 'yes' (entrance, WC) and no item 'no' → accessible",
    },
    "osm_wheelchair_yes": {
        "uk": "OSM wheelchair=yes і жодного «ні» → доступний",
        "en": "OSM wheelchair=yes and no item 'no' → accessible",
    },
    "partial_evidence": {
        "uk": "є позитивні дані, але не всі ключові пункти підтверджено або є «ні» → частково доступний",
        "en": "some positive evidence, but key items unconfirmed or some item 'no' → partly accessible",
    },
    "negative_evidence_only": {
        "uk": "лише негативні дані → недоступний",
        "en": "only negative evidence → not accessible",
    },
    "no_evidence": {
        "uk": "немає даних → невідомо (не вважається доступним)",
        "en": "no evidence → unknown (never counted as accessible)",
    },
}


def status_label(status: str, lang: str = "uk") -> str:
    """UA (``"uk"``), EN (``"en"``) or both (``"both"``: ``"невідомо / unknown"``) label of a status."""
    labels = STATUS_LABELS[status]
    return f"{labels['uk']} / {labels['en']}" if lang == "both" else labels["en" if lang == "en" else "uk"]


# ============================================================================================== evidence
@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: ``source`` (``osm``/``user``/``registry``/``survey``) says ``value``
    (``yes``/``no``/``partly``) about ``item`` (a checklist id or ``"overall"``), as ``text``."""

    source: str
    item: str
    value: str
    text: str
    date: pd.Timestamp | None = None


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _tag(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    if _missing(value):
        return None
    text = str(value).strip()
    return text or None


def _flag(value: Any) -> int | None:
    """Registry 0/1 flag from numbers or yes/no text; None for empty/unreadable."""
    if _missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return 1 if float(value) == 1 else 0 if float(value) == 0 else None
    answer = _ANSWER_TOKENS.get(str(value).strip().lower())
    return {"yes": 1, "no": 0}.get(answer or "")


_WIDTH = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(m|м|cm|см|mm|мм)?\s*$", re.IGNORECASE)


_FEET = re.compile(r"^\s*(\d+)\s*'\s*(?:(\d+(?:\.\d+)?)\s*\")?\s*$")


def parse_width_m(value: Any, *, bare_cm_above: float | None = 10.0) -> float | None:
    """A width in metres from an OSM ``door:width``/``width`` value; None if unreadable.

    Accepts ``0.9``, ``0,9``, ``0.9 m``, ``90 cm``, ``900 mm`` and feet/inches (``3'``, ``2'10"``). A bare number
    above ``bare_cm_above`` is read as centimetres (for ``door:width``: no door is over 10 m wide, ``90`` means
    90 cm); None reads every bare number as metres (the OSM default unit, used for ``width``).
    """
    if _missing(value):
        return None
    text = str(value).strip().lower()
    match = _WIDTH.match(text)
    if match:
        number = float(match.group(1).replace(",", "."))
        unit = (match.group(2) or "").lower()
        if unit in ("cm", "см"):
            return number / 100.0
        if unit in ("mm", "мм"):
            return number / 1000.0
        if unit == "" and bare_cm_above is not None and number > bare_cm_above:
            return number / 100.0
        return number
    match = _FEET.match(text)
    if match:
        inches = float(match.group(1)) * 12 + float(match.group(2) or 0)
        return inches * 0.0254
    return None


def _osm_evidence(row: Mapping[str, Any], source: str) -> tuple[list[Evidence], list[str]]:
    pieces: list[Evidence] = []
    texts: list[str] = []

    def say(item: str, value: str, text: str) -> None:
        pieces.append(Evidence(source, item, value, text))
        if text not in texts:
            texts.append(text)

    raw_wc = _tag(row, "wheelchair")
    wc = raw_wc.lower() if raw_wc else None
    if wc is not None:
        text = f"{source}:wheelchair={raw_wc}"
        if wc in ("yes", "designated"):
            say("overall", "yes", text)
            say("entrance_step_free", "yes", text)
            say("door_width", "yes", text)
        elif wc == "limited":
            say("overall", "partly", text)
        elif wc == "no":
            say("overall", "no", text)
            say("entrance_step_free", "no", text)
        else:
            texts.append(f"{text} (not understood, ignored)")
    for key in ("ramp:wheelchair", "ramp"):
        raw = _tag(row, key)
        if raw is None:
            continue
        text = f"{source}:{key}={raw}"
        value = raw.lower()
        if value in ("yes", "designated"):
            say("entrance_step_free", "yes", text)
        elif value == "no" and wc is None:
            say("entrance_step_free", "no", text)
        else:
            texts.append(f"{text} (not used)")
    raw = _tag(row, "toilets:wheelchair")
    if raw is not None:
        text = f"{source}:toilets:wheelchair={raw}"
        if raw.lower() in ("yes", "designated"):
            say("accessible_wc", "yes", text)
        elif raw.lower() in ("no", "limited"):
            say("accessible_wc", "no", text)
        else:
            texts.append(f"{text} (not understood, ignored)")
    door_raw = _tag(row, "door:width")
    width_raw = _tag(row, "width")
    for key, raw in (("door:width", door_raw), ("width", width_raw if door_raw is None else None)):
        if raw is None:
            continue
        metres = parse_width_m(raw, bare_cm_above=10.0 if key == "door:width" else None)
        text = f"{source}:{key}={raw}"
        if metres is None:
            texts.append(f"{text} (unreadable, ignored)")
        elif key == "width" and metres >= MAX_PLAUSIBLE_DOOR_WIDTH_M:
            texts.append(f"{text} (not a door width, ignored)")
        else:
            say("door_width", "yes" if metres >= MIN_DOOR_WIDTH_M - 1e-9 else "no", text)
        break
    entrance = _tag(row, "entrance")
    if entrance is not None:
        texts.append(f"{source}:entrance={entrance}")
    return pieces, texts


def _registry_evidence(row: Mapping[str, Any]) -> tuple[list[Evidence], list[str]]:
    pieces: list[Evidence] = []
    texts: list[str] = []
    flags = [(REGISTRY_VERDICT_FLAG, "overall"), *REGISTRY_ITEM_FLAGS.items()]
    for flag, item in flags:
        value = _flag(row.get(flag))
        if value is None:
            continue
        text = f"registry:{flag}={value}"
        pieces.append(Evidence("registry", item, "yes" if value == 1 else "no", text))
        texts.append(text)
    return pieces, texts


def _as_timestamp(value: Any) -> pd.Timestamp | None:
    if _missing(value):
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.normalize()


def _survey_evidence(row: Mapping[str, Any]) -> tuple[list[Evidence], list[str]]:
    pieces: list[Evidence] = []
    fallback = _as_timestamp(row.get("survey_date"))
    by_date: dict[pd.Timestamp | None, list[str]] = {}
    for item in ITEM_IDS:
        answer = _tag(row, f"survey_{item}")
        if answer is None or answer.lower() not in ("yes", "no"):
            continue
        date = _as_timestamp(row.get(f"survey_{item}_date")) or fallback
        pieces.append(Evidence("survey", item, answer.lower(), f"survey: {item}={answer.lower()}", date))
        by_date.setdefault(date, []).append(f"{item}={answer.lower()}")
    texts = []
    for date in sorted(by_date, key=lambda d: (d is None, d)):
        when = "undated" if date is None else date.strftime("%Y-%m-%d")
        texts.append(f"survey {when}: " + ", ".join(by_date[date]))
    return pieces, texts


def point_evidence(row: Mapping[str, Any]) -> tuple[list[Evidence], list[str]]:
    """All evidence about one point (a row of a service-points table as a mapping).

    Returns the pieces (see :class:`Evidence`) and the evidence texts in order OSM, registry, survey. OSM-style tag
    columns are attributed to ``user`` when the row's ``source`` is ``user``, else to ``osm``.
    """
    tag_source = "user" if _tag(row, "source") == "user" else "osm"
    osm, osm_texts = _osm_evidence(row, tag_source)
    registry, registry_texts = _registry_evidence(row)
    survey, survey_texts = _survey_evidence(row)
    return osm + registry + survey, osm_texts + registry_texts + survey_texts


@dataclass(frozen=True)
class Assessment:
    """Result of :func:`combine_evidence` for one point."""

    status: str
    rule: str
    items: dict[str, str]
    sources_disagree: bool


def combine_evidence(pieces: Iterable[Evidence]) -> Assessment:
    """Combine evidence pieces into a status with the rules of the module docstring (pure function)."""
    pieces = list(pieces)
    items: dict[str, str] = {}
    disagree = False
    for item in ITEM_IDS:
        about = [p for p in pieces if p.item == item]
        values = {p.value for p in about}
        if "yes" in values and "no" in values:
            disagree = True
        surveyed = [p for p in about if p.source == "survey"]
        if surveyed:
            newest = max(surveyed, key=lambda p: p.date if p.date is not None else pd.Timestamp.min)
            items[item] = newest.value
        elif "no" in values:
            items[item] = "no"
        elif "yes" in values:
            items[item] = "yes"
        else:
            items[item] = "unknown"
    verdicts = {p.value for p in pieces if p.item == "overall"}
    entrance_values = {p.value for p in pieces if p.item == "entrance_step_free"}
    if "no" in verdicts and verdicts & {"yes", "partly"}:
        disagree = True
    if ("yes" in verdicts and "no" in entrance_values) or ("no" in verdicts and "yes" in entrance_values):
        disagree = True

    any_item_no = any(v == "no" for v in items.values())
    positive = any(v == "yes" for v in items.values()) or bool(verdicts & {"yes", "partly"})
    osm_yes = any(p.item == "overall" and p.value == "yes" and p.source in ("osm", "user") for p in pieces)
    if items["entrance_step_free"] == "no":
        status, rule = "not_accessible", "entrance_no"
    elif all(items[k] == "yes" for k in KEY_ITEMS) and not any_item_no:
        status, rule = "accessible", "all_key_yes"
    elif osm_yes and not any_item_no:
        status, rule = "accessible", "osm_wheelchair_yes"
    elif positive:
        status, rule = "partly", "partial_evidence"
    elif any_item_no or "no" in verdicts:
        status, rule = "not_accessible", "negative_evidence_only"
    else:
        status, rule = "unknown", "no_evidence"
    return Assessment(status=status, rule=rule, items=items, sources_disagree=disagree)


def assess_points(service_points: gpd.GeoDataFrame | pd.DataFrame) -> gpd.GeoDataFrame:
    """Barrier-free status of every service point from OSM tags, registry flags and survey answers.

    Parameters
    ----------
    service_points
        A service-points table (e.g. :attr:`analysis.datasets.HromadaBundle.service_points` or OSM POIs). Used when
        present: OSM tag columns ``wheelchair``, ``toilets:wheelchair``, ``entrance``, ``ramp``,
        ``ramp:wheelchair``, ``door:width``, ``width``; registry flags ``disability``, ``pandus``, ``dis_sanit``,
        ``braille_mat``; survey columns ``survey_<item>``, ``survey_<item>_date``, ``survey_date`` (see
        :func:`apply_survey`); ``source``. Missing columns mean no evidence.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with :data:`OUTPUT_COLUMNS` and ``bf_<item>`` added (replaced if present); rows and order kept.
        The combination rules are in the module docstring.
    """
    if not isinstance(service_points, pd.DataFrame):
        raise DataError("Service points must be a table (GeoDataFrame or DataFrame).")
    result = service_points.copy()
    records = result.to_dict("records")
    statuses, rules, evidence, disagree = [], [], [], []
    item_values: dict[str, list[str]] = {item: [] for item in ITEM_IDS}
    for record in records:
        pieces, texts = point_evidence(record)
        assessment = combine_evidence(pieces)
        statuses.append(assessment.status)
        rules.append(assessment.rule)
        evidence.append("; ".join(texts))
        disagree.append(assessment.sources_disagree)
        for item in ITEM_IDS:
            item_values[item].append(assessment.items[item])
    index = result.index
    result["barrier_free_status"] = pd.Series(statuses, index=index, dtype="string")
    result["barrier_free_label_uk"] = pd.Series([STATUS_LABELS[s]["uk"] for s in statuses], index=index,
                                                dtype="string")
    result["barrier_free_label_en"] = pd.Series([STATUS_LABELS[s]["en"] for s in statuses], index=index,
                                                dtype="string")
    result["barrier_free_rule"] = pd.Series(rules, index=index, dtype="string")
    result["barrier_free_evidence"] = pd.Series(evidence, index=index, dtype="string")
    result["sources_disagree"] = pd.Series(disagree, index=index, dtype=bool)
    if "survey_date" in result.columns:
        result["survey_date"] = pd.to_datetime(result["survey_date"], errors="coerce")
    else:
        result["survey_date"] = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    for item in ITEM_IDS:
        result[f"bf_{item}"] = pd.Series(item_values[item], index=index, dtype="string")
    return result


def status_counts(points: pd.DataFrame) -> pd.Series:
    """Number of points per status (all four statuses, zeros included), from ``barrier_free_status``."""
    if "barrier_free_status" not in points.columns:
        raise DataError("Points are not assessed: call assess_points first (no 'barrier_free_status' column).")
    return points["barrier_free_status"].value_counts().reindex(list(STATUSES), fill_value=0).astype(int)


def _assessed(points: pd.DataFrame) -> pd.DataFrame:
    return points if "barrier_free_status" in points.columns else assess_points(points)

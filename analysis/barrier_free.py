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

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

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

#: Survey answers and their labels (the XLSX drop-down offers these).
ANSWERS: tuple[str, ...] = ("yes", "no", "unknown")
ANSWER_LABELS: dict[str, dict[str, str]] = {
    "yes": {"uk": "так", "en": "yes"},
    "no": {"uk": "ні", "en": "no"},
    "unknown": {"uk": "невідомо", "en": "unknown"},
}
_ANSWER_TOKENS: dict[str, str] = {
    "yes": "yes", "y": "yes", "так": "yes", "т": "yes", "1": "yes", "1.0": "yes", "true": "yes", "+": "yes",
    "є": "yes", "no": "no", "n": "no", "ні": "no", "н": "no", "0": "no", "0.0": "no", "false": "no", "-": "no",
    "немає": "no", "unknown": "unknown", "невідомо": "unknown", "?": "unknown", "": "unknown",
}

#: Clear width of an entrance door required by ДБН В.2.2-40:2018, metres.
MIN_DOOR_WIDTH_M = 0.9
#: ``width`` values at or above this are not a door (they describe a building or an area), metres.
MAX_PLAUSIBLE_DOOR_WIDTH_M = 3.0

_DBN = "ДБН В.2.2-40:2018 «Інклюзивність будівель і споруд. Основні положення» (зі змінами)"
_CMU_537 = (
    "Порядок моніторингу та оцінки ступеня безбар'єрності, постанова КМУ № 537 від 26.05.2021 "
    "(в ред. постанови № 311 від 18.03.2025), картка оцінки громадської будівлі"
)


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the barrier-free checklist.

    Attributes
    ----------
    id
        Machine id (column names ``bf_<id>``, ``survey_<id>``; form headers end in ``[<id>]``).
    label_uk, label_en
        The question as shown in the survey form.
    norm
        Where the requirement comes from.
    key
        Whether the item is a key item (all key items *yes* → accessible).
    osm_tags
        OSM tags that give evidence for the item.
    registry_flag
        ЦНАП-registry flag that gives evidence for the item, or None.
    hint_uk, hint_en
        How to answer (shown on the instructions sheet).
    """

    id: str
    label_uk: str
    label_en: str
    norm: str
    key: bool = False
    osm_tags: tuple[str, ...] = ()
    registry_flag: str | None = None
    hint_uk: str = ""
    hint_en: str = ""

    def label(self, lang: str = "uk") -> str:
        return self.label_uk if lang == "uk" else self.label_en


#: The barrier-free checklist (ДБН В.2.2-40:2018; CMU Resolution 537 of 2021) — the one table of items.
CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        id="entrance_step_free",
        label_uk="Вхід без сходинок або з пандусом (підйомником)",
        label_en="Step-free entrance, or a ramp (lift) at the entrance",
        norm=f"{_DBN}: вхідна група, пандуси; {_CMU_537}",
        key=True,
        osm_tags=("wheelchair", "ramp", "ramp:wheelchair"),
        registry_flag="pandus",
        hint_uk="«так», якщо людина на кріслі колісному може потрапити всередину без сторонньої допомоги.",
        hint_en="'yes' if a wheelchair user can get in without help.",
    ),
    ChecklistItem(
        id="ramp_slope",
        label_uk="Ухил зовнішнього пандуса не більше 8 % (1:12)",
        label_en="Outdoor ramp slope at most 8 % (1:12)",
        norm=f"{_DBN}: пандуси (ухил відкритого пандуса ≤ 8 %)",
        hint_uk="8 % = 8 см підйому на 1 м довжини. Якщо вхід без перепаду висот і пандус не потрібен — «так».",
        hint_en="8 % = 8 cm of rise per 1 m of length. If the entrance is level and needs no ramp, answer 'yes'.",
    ),
    ChecklistItem(
        id="ramp_landings",
        label_uk="Горизонтальна площадка після кожного підйому пандуса не вище 0,8 м",
        label_en="Level landing after every ramp rise of at most 0.8 m",
        norm=f"{_DBN}: пандуси (висота одного підйому ≤ 0,8 м, далі горизонтальна площадка)",
        hint_uk="Якщо пандус не потрібен або загальний підйом менший за 0,8 м — «так».",
        hint_en="If no ramp is needed or the total rise is below 0.8 m, answer 'yes'.",
    ),
    ChecklistItem(
        id="handrails",
        label_uk="Поручні з обох боків пандуса/сходів на висоті 0,7 м і 0,9 м",
        label_en="Handrails on both sides of the ramp/stairs at 0.7 m and 0.9 m",
        norm=f"{_DBN}: поручні (двобічна огорожа з поручнями на висоті 0,7 і 0,9 м)",
        hint_uk="Якщо ні пандуса, ні сходів біля входу немає — «так».",
        hint_en="If there is neither a ramp nor stairs at the entrance, answer 'yes'.",
    ),
    ChecklistItem(
        id="door_width",
        label_uk="Ширина дверного отвору входу в світлі не менше 0,9 м",
        label_en="Entrance door clear width at least 0.9 m",
        norm=f"{_DBN}: вхідна група (ширина дверного отвору в світлі ≥ 0,9 м)",
        osm_tags=("wheelchair", "door:width", "width"),
        hint_uk="Міряйте найвужче місце відчиненого дверного отвору (для двостулкових — одну стулку).",
        hint_en="Measure the narrowest point of the open doorway (one leaf of a double door).",
    ),
    ChecklistItem(
        id="accessible_wc",
        label_uk="Облаштована вбиральня для осіб з інвалідністю",
        label_en="Accessible toilet (WC) for persons with disabilities",
        norm=f"{_DBN}: санітарно-гігієнічні приміщення; {_CMU_537}",
        key=True,
        osm_tags=("toilets:wheelchair",),
        registry_flag="dis_sanit",
        hint_uk="Кабіна, в яку заїжджає крісло колісне, з поручнями біля унітаза.",
        hint_en="A cubicle a wheelchair fits into, with grab rails beside the toilet.",
    ),
    ChecklistItem(
        id="accessible_parking",
        label_uk="Місце (місця) для автомобілів осіб з інвалідністю біля входу",
        label_en="Accessible parking space(s) near the entrance",
        norm=f"{_DBN}: паркування (місця для транспорту осіб з інвалідністю); {_CMU_537}",
        hint_uk="Позначене місце шириною для крісла колісного, близько до входу.",
        hint_en="A marked space wide enough for a wheelchair, close to the entrance.",
    ),
    ChecklistItem(
        id="tactile_braille",
        label_uk="Тактильні смуги/покажчики та інформація шрифтом Брайля",
        label_en="Tactile guidance and Braille information",
        norm=f"{_DBN}: тактильні покажчики, інформація шрифтом Брайля; {_CMU_537}",
        registry_flag="braille_mat",
        hint_uk="Тактильна смуга до входу/стійки адміністратора і таблички шрифтом Брайля.",
        hint_en="A tactile strip to the entrance/front desk and signs in Braille.",
    ),
)

#: Ids of all checklist items, in form order.
ITEM_IDS: tuple[str, ...] = tuple(item.id for item in CHECKLIST)
#: Ids of the key items.
KEY_ITEMS: tuple[str, ...] = tuple(item.id for item in CHECKLIST if item.key)
#: Registry flag -> item id (``disability`` is an overall verdict, not an item).
REGISTRY_ITEM_FLAGS: dict[str, str] = {i.registry_flag: i.id for i in CHECKLIST if i.registry_flag}
#: Registry flag used as an overall verdict.
REGISTRY_VERDICT_FLAG = "disability"

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

#: Non-item fields of the survey form: id -> (UA, EN header text). ``*`` fields are read back by read_survey.
FORM_FIELDS: dict[str, tuple[str, str]] = {
    "point_id": ("Ідентифікатор точки", "Point id"),
    "name": ("Назва", "Name"),
    "category": ("Тип послуги", "Service type"),
    "address": ("Адреса або населений пункт", "Address or settlement"),
    "lon": ("Довгота", "Longitude"),
    "lat": ("Широта", "Latitude"),
    "current_status": ("Поточний статус", "Current status"),
    "current_evidence": ("Наявні дані", "Current evidence"),
    "survey_date": ("Дата обстеження (РРРР-ММ-ДД)", "Survey date (YYYY-MM-DD)"),
    "surveyor": ("Хто обстежував", "Surveyor"),
    "notes": ("Примітки", "Notes"),
}
_READ_ONLY_FIELDS = ("name", "category", "address", "lon", "lat", "current_status", "current_evidence")

#: Output columns added by :func:`assess_points` (besides ``bf_<item>`` and the survey columns).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "barrier_free_status", "barrier_free_label_uk", "barrier_free_label_en", "barrier_free_rule",
    "barrier_free_evidence", "sources_disagree", "survey_date",
)
#: Columns of the table returned by :func:`read_survey`.
SURVEY_COLUMNS: tuple[str, ...] = ("point_id", "survey_date", "surveyor", "notes", *ITEM_IDS, "source_row")


def checklist_table(items: Iterable[ChecklistItem] = CHECKLIST) -> pd.DataFrame:
    """The checklist as a table: ``id``, ``label_uk``, ``label_en``, ``key``, ``norm``, ``osm_tags``,
    ``registry_flag``, ``hint_uk``, ``hint_en``."""
    rows = [
        {
            "id": i.id, "label_uk": i.label_uk, "label_en": i.label_en, "key": i.key, "norm": i.norm,
            "osm_tags": ", ".join(i.osm_tags), "registry_flag": i.registry_flag or "", "hint_uk": i.hint_uk,
            "hint_en": i.hint_en,
        }
        for i in items
    ]
    return pd.DataFrame(rows)


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


# ============================================================================================== survey form
def _header(key: str, lang: str) -> str:
    """Form header of a field or item: ``"UA / EN [key]"`` (or one language)."""
    if key in FORM_FIELDS:
        uk, en = FORM_FIELDS[key]
    else:
        item = next(i for i in CHECKLIST if i.id == key)
        uk, en = item.label_uk, item.label_en
    text = {"uk": uk, "en": en}.get(lang, f"{uk} / {en}")
    return f"{text} [{key}]"


def _check_lang(lang: str) -> str:
    if lang not in ("uk", "en", "both"):
        raise ValueError(f"lang must be 'uk', 'en' or 'both'; got {lang!r}")
    return lang


def _address(points: pd.DataFrame) -> pd.Series:
    empty = pd.Series(pd.NA, index=points.index, dtype="string")
    for column in ("address", "settlement_name"):
        if column in points.columns:
            empty = empty.fillna(points[column].astype("string"))
    if "addr:street" in points.columns:
        street = points["addr:street"].astype("string")
        if "addr:housenumber" in points.columns:
            street = street + (", " + points["addr:housenumber"].astype("string")).fillna("")
        if "addr:city" in points.columns:
            street = street + (", " + points["addr:city"].astype("string")).fillna("")
        empty = empty.fillna(street)
    return empty


def survey_form(points: gpd.GeoDataFrame, lang: str = "both", *, include_accessible: bool = False) -> pd.DataFrame:
    """The survey form as a table: one row per point to check, one empty column per checklist item.

    Parameters
    ----------
    points
        Service points (assessed or not; assessed here if needed). Need ``id``.
    lang
        Header and status language: ``"uk"``, ``"en"`` or ``"both"`` (``"UA / EN [id]"``).
    include_accessible
        Also list points already ``accessible`` (default: only ``unknown``, ``partly``, ``not_accessible``).

    Returns
    -------
    pandas.DataFrame
        Columns (headers ending in ``[key]``): point id, name, category, address, lon, lat, current status,
        current evidence, the :data:`CHECKLIST` items (empty), survey date, surveyor, notes. Rows ordered
        unknown, not accessible, partly, then by id.
    """
    lang = _check_lang(lang)
    if "id" not in points.columns:
        raise DataError(f"Points need an 'id' column; columns found: {list(points.columns)}.")
    assessed = _assessed(points)
    wanted = list(STATUSES) if include_accessible else ["unknown", "not_accessible", "partly"]
    rows = assessed[assessed["barrier_free_status"].isin(wanted)].copy()
    order = {"unknown": 0, "not_accessible": 1, "partly": 2, "accessible": 3}
    rows["_order"] = rows["barrier_free_status"].map(order)
    rows["_id"] = rows["id"].astype(str)
    rows = rows.sort_values(["_order", "_id"], kind="stable")
    if isinstance(rows, gpd.GeoDataFrame) and rows.crs is not None and len(rows):
        geoms = rows.geometry.to_crs(4326)
        geoms = geoms.where(geoms.geom_type == "Point", geoms.representative_point())
        lon, lat = geoms.x.round(6).to_numpy(), geoms.y.round(6).to_numpy()
    else:
        lon = lat = np.full(len(rows), np.nan)
    columns: dict[str, Any] = {
        "point_id": rows["id"].astype(str).to_numpy(),
        "name": rows["name"].astype("string").to_numpy() if "name" in rows else pd.NA,
        "category": rows["category"].astype("string").to_numpy() if "category" in rows else pd.NA,
        "address": _address(rows).to_numpy(),
        "lon": lon,
        "lat": lat,
        "current_status": [status_label(s, lang) for s in rows["barrier_free_status"]],
        "current_evidence": rows["barrier_free_evidence"].astype("string").to_numpy(),
    }
    for item in ITEM_IDS:
        columns[item] = ""
    columns.update({"survey_date": "", "surveyor": "", "notes": ""})
    table = pd.DataFrame(columns, index=range(len(rows)))
    table.columns = [_header(key, lang) for key in table.columns]
    return table


def _instructions(lang: str) -> list[list[str]]:
    answers = {
        "uk": "так / ні / невідомо", "en": "yes / no / unknown", "both": "так / yes, ні / no, невідомо / unknown",
    }[lang]
    lines_uk = [
        "Анкета обстеження безбар'єрності точок надання послуг",
        "1. Заповніть аркуш з обстеженням: один рядок — одна точка. Не змінюйте стовпці з ідентифікатором і заголовки "
        "(машинний код у квадратних дужках у кінці заголовка).",
        f"2. Для кожного пункту виберіть зі списку: {answers}. «Невідомо» — якщо не вдалося перевірити.",
        "3. Обов'язково вкажіть дату обстеження (РРРР-ММ-ДД) та хто обстежував. Рядки без відповідей не враховуються.",
        "4. Нове обстеження заміняє старіші дані (OSM, реєстр ЦНАП) для пунктів, на які дано відповідь «так» чи «ні».",
        "5. Статус: «ні» щодо входу → недоступний; «так» щодо входу і вбиральні та жодного «ні» → доступний; "
        "інакше — частково доступний. «Невідомо» ніколи не вважається доступним.",
    ]
    lines_en = [
        "Barrier-free survey of service points",
        "1. Fill in the survey sheet: one row per point. Do not change the id column or the headers (the machine code "
        "in square brackets at the end of each header).",
        f"2. For each item choose from the list: {answers}. 'Unknown' if you could not check it.",
        "3. Always give the survey date (YYYY-MM-DD) and the surveyor. Rows without answers are ignored.",
        "4. A new survey replaces older data (OSM, ЦНАП registry) for every item answered 'yes' or 'no'.",
        "5. Status: entrance 'no' → not accessible; entrance and WC 'yes' and no 'no' → accessible; otherwise partly "
        "accessible. 'Unknown' is never counted as accessible.",
    ]
    if lang == "uk":
        return [[line] for line in lines_uk]
    if lang == "en":
        return [[line] for line in lines_en]
    return [[line] for line in lines_uk] + [[""]] + [[line] for line in lines_en]


def write_survey_form(
    points: gpd.GeoDataFrame,
    path: str | os.PathLike,
    *,
    lang: str = "both",
    csv: bool = True,
    include_accessible: bool = False,
) -> list[Path]:
    """Write the survey form (see :func:`survey_form`) as XLSX and/or CSV, atomically.

    Parameters
    ----------
    path
        ``*.xlsx``: a workbook with the survey sheet (drop-down lists yes/no/unknown per item, a date check on the
        survey date, frozen header), an instructions sheet (UA/EN) and the checklist with norm references; with
        ``csv=True`` a CSV copy of the survey sheet is written beside it (same name, ``.csv``). ``*.csv``: only
        the CSV (UTF-8 with BOM, opens in Excel).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from analysis.outputs import atomic_path, write_csv

    lang = _check_lang(lang)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise DataError(f"The survey form must be written as .xlsx or .csv; got {path.name}.")
    table = survey_form(points, lang, include_accessible=include_accessible)
    written: list[Path] = []
    if suffix == ".csv":
        write_csv(table, path)
        return [path]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Обстеження Survey"
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([None if _missing(v) or v == "" else v for v in row])
    keys = [re.search(r"\[([^\]]+)\]$", c).group(1) for c in table.columns]
    n_rows = max(len(table), 1) + 1
    answer_values = {
        "uk": [ANSWER_LABELS[a]["uk"] for a in ANSWERS],
        "en": [ANSWER_LABELS[a]["en"] for a in ANSWERS],
        "both": [f"{ANSWER_LABELS[a]['uk']} / {ANSWER_LABELS[a]['en']}" for a in ANSWERS],
    }[lang]
    answers = DataValidation(type="list", formula1='"' + ",".join(answer_values) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle="так / ні / невідомо",
                             error="Виберіть зі списку / choose from the list")
    dates = DataValidation(type="date", operator="between", formula1="36526", formula2="73415", allow_blank=True,
                           showErrorMessage=True, errorTitle="Дата / Date",
                           error="Дата РРРР-ММ-ДД між 2000 і 2100 / a date YYYY-MM-DD between 2000 and 2100")
    sheet.add_data_validation(answers)
    sheet.add_data_validation(dates)
    input_fill = PatternFill("solid", fgColor="FFF2CC")
    for position, key in enumerate(keys, start=1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=1, column=position)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        width = 14 if key in ITEM_IDS else {"current_evidence": 50, "name": 40, "address": 40, "notes": 40}.get(key, 16)
        sheet.column_dimensions[letter].width = width
        cell_range = f"{letter}2:{letter}{n_rows}"
        if key in ITEM_IDS:
            answers.add(cell_range)
        elif key == "survey_date":
            dates.add(cell_range)
            for r in range(2, n_rows + 1):
                sheet.cell(row=r, column=position).number_format = "yyyy-mm-dd"
        if key in (*ITEM_IDS, "survey_date", "surveyor", "notes"):
            for r in range(2, n_rows + 1):
                sheet.cell(row=r, column=position).fill = input_fill
    sheet.row_dimensions[1].height = 90
    sheet.freeze_panes = "C2"

    info = workbook.create_sheet("Інструкція Instructions")
    for line in _instructions(lang):
        info.append(line)
    info.append([])
    checklist = checklist_table()
    info.append(["id", "Пункт (UA)", "Item (EN)", "Ключовий / key", "Норма / norm", "Як відповідати", "How to answer"])
    for item in checklist.itertuples(index=False):
        info.append([item.id, item.label_uk, item.label_en, "так / yes" if item.key else "",
                     item.norm, item.hint_uk, item.hint_en])
    info.column_dimensions["A"].width = 22
    for letter in "BCEFG":
        info.column_dimensions[letter].width = 45
    with atomic_path(path, suffix=".xlsx") as tmp:
        workbook.save(tmp)
    written.append(path)
    if csv:
        written.append(write_csv(table, path.with_suffix(".csv")))
    return written


# ============================================================================================== reading surveys
def _header_key(header: Any) -> str | None:
    """Field/item id of a form header (``"… [id]"``, a bare id, or the UA/EN/both label); None if not ours."""
    if _missing(header):
        return None
    text = str(header).strip()
    match = re.search(r"\[([^\]]+)\]\s*$", text)
    if match:
        return match.group(1).strip()
    lowered = " ".join(text.lower().split())
    for key in (*FORM_FIELDS, *ITEM_IDS):
        if lowered == key:
            return key
    for key in FORM_FIELDS:
        uk, en = FORM_FIELDS[key]
        if lowered in (uk.lower(), en.lower(), f"{uk} / {en}".lower()):
            return key
    for item in CHECKLIST:
        if lowered in (item.label_uk.lower(), item.label_en.lower(), f"{item.label_uk} / {item.label_en}".lower()):
            return item.id
    return None


def parse_answer(value: Any) -> str | None:
    """``yes``/``no``/``unknown`` from a survey cell (UA/EN words, ``1``/``0``, booleans, ``"так / yes"``);
    None if not an answer."""
    if _missing(value):
        return "unknown"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return {1.0: "yes", 0.0: "no"}.get(float(value))
    text = " ".join(str(value).strip().lower().split())
    if text in _ANSWER_TOKENS:
        return _ANSWER_TOKENS[text]
    parts = {_ANSWER_TOKENS.get(part.strip()) for part in text.split("/")}
    if len(parts) == 1 and None not in parts:
        return parts.pop()
    return None


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%Y.%m.%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%dT%H:%M:%S")


def parse_survey_date(value: Any) -> dt.date | None:
    """A survey date from an Excel date cell or text (``2026-05-01``, ``01.05.2026``); None if empty.

    Raises
    ------
    ValueError
        If the value is not a date.
    """
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    text = str(value).strip()
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD or DD.MM.YYYY)")


def _read_rows(path: Path) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """Header cells and (spreadsheet row number, cells) of the survey sheet of an XLSX or a CSV file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, data_only=True, read_only=True)
        except Exception as exc:  # openpyxl raises many types for corrupt files
            raise DataError(f"Cannot read the survey workbook {path.name}: {exc}. Is it a valid .xlsx file?") from exc
        try:
            chosen = None
            for sheet in workbook.worksheets:
                first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
                if any(_header_key(c) == "point_id" for c in first):
                    chosen = sheet
                    break
            chosen = chosen or workbook.worksheets[0]
            rows = list(chosen.iter_rows(values_only=True))
        finally:
            workbook.close()
        if not rows:
            raise DataError(f"The survey workbook {path.name} is empty.")
        return list(rows[0]), [(number, list(cells)) for number, cells in enumerate(rows[1:], start=2)]
    if suffix in (".csv", ".txt"):
        frame = None
        error: Exception | None = None
        # the headers themselves contain commas ("0,8 м"), so try each separator and keep the one that finds the
        # point id column (Excel in Ukrainian locales saves CSV with ";")
        for separator in (",", ";", "\t"):
            try:
                candidate = pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                error = exc
                continue
            if frame is None or any(_header_key(c) == "point_id" for c in candidate.columns):
                frame = candidate
                if any(_header_key(c) == "point_id" for c in candidate.columns):
                    break
        if frame is None:
            raise DataError(f"Cannot read the survey file {path.name}: {error}")
        return list(frame.columns), [
            (number, list(values)) for number, values in enumerate(frame.itertuples(index=False, name=None), start=2)
        ]
    raise DataError(f"Unsupported survey file type {path.name}: use the .xlsx or .csv form.")


def read_survey(path: str | os.PathLike, *, today: dt.date | None = None) -> pd.DataFrame:
    """Read a filled survey form (XLSX or CSV written by :func:`write_survey_form`, or any table with the same
    bracketed headers).

    Answers may be ``yes/no/unknown``, ``так/ні/невідомо``, ``1/0``, ``"так / yes"``; empty = unknown. Rows with
    no ``yes``/``no`` answer are skipped (listed in ``attrs["warnings"]``).

    Parameters
    ----------
    today
        Survey dates after this day are rejected (default: the current date).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SURVEY_COLUMNS`: ``point_id`` (str), ``survey_date`` (datetime64), ``surveyor``, ``notes``,
        one column per item (``yes``/``no``/``unknown``) and ``source_row`` (the row number in the file).

    Raises
    ------
    DataError
        File missing/unreadable, no point id or survey date column, an unknown checklist id in a header, an answer
        that is not yes/no/unknown, a missing, malformed, future or pre-2000 date, a missing point id, or two rows
        for the same point and date with different answers. Messages name the row and the column.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Survey file not found: {path}")
    today = today or dt.date.today()
    header, rows = _read_rows(path)
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        key = _header_key(cell)
        if key is None:
            continue
        if key not in FORM_FIELDS and key not in ITEM_IDS:
            raise DataError(
                f"{path.name}: column {cell!r} names an unknown checklist item {key!r}; known items: "
                f"{', '.join(ITEM_IDS)}."
            )
        if key in positions:
            raise DataError(f"{path.name}: two columns for {key!r} ({header[positions[key]]!r} and {cell!r}).")
        positions[key] = position
    for required in ("point_id", "survey_date"):
        if required not in positions:
            raise DataError(
                f"{path.name}: no {required!r} column (header ending in [{required}]); columns found: "
                f"{', '.join(str(h) for h in header)}."
            )
    items = [item for item in ITEM_IDS if item in positions]
    if not items:
        raise DataError(f"{path.name}: no checklist item columns; expected headers ending in one of "
                        f"{', '.join(f'[{i}]' for i in ITEM_IDS)}.")

    records, skipped = [], []
    for number, cells in rows:
        def cell(key: str) -> Any:
            position = positions.get(key)
            return cells[position] if position is not None and position < len(cells) else None

        answers = {}
        for item in items:
            raw = cell(item)
            answer = parse_answer(raw)
            if answer is None:
                raise DataError(
                    f"{path.name}, row {number}, column {header[positions[item]]!r}: {raw!r} is not an answer; use "
                    "так/ні/невідомо, yes/no/unknown or 1/0."
                )
            answers[item] = answer
        point = cell("point_id")
        point = None if _missing(point) or str(point).strip() == "" else str(point).strip()
        if isinstance(cell("point_id"), float) and float(cell("point_id")).is_integer():
            point = str(int(cell("point_id")))
        answered = any(a in ("yes", "no") for a in answers.values())
        if not answered:
            if point is not None:
                skipped.append(number)
            continue
        if point is None:
            raise DataError(f"{path.name}, row {number}: answers given but the point id "
                            f"(column {header[positions['point_id']]!r}) is empty.")
        raw_date = cell("survey_date")
        column = header[positions["survey_date"]]
        try:
            date = parse_survey_date(raw_date)
        except ValueError as exc:
            raise DataError(f"{path.name}, row {number}, column {column!r}: {exc}.") from None
        if date is None:
            raise DataError(
                f"{path.name}, row {number}, column {column!r}: the survey date is missing (point {point})."
            )
        if date > today:
            raise DataError(f"{path.name}, row {number}, column {column!r}: survey date {date} is in the future.")
        if date < dt.date(2000, 1, 1):
            raise DataError(f"{path.name}, row {number}, column {column!r}: survey date {date} is before 2000.")
        surveyor, notes = cell("surveyor"), cell("notes")
        records.append(
            {
                "point_id": point,
                "survey_date": pd.Timestamp(date),
                "surveyor": None if _missing(surveyor) or str(surveyor).strip() == "" else str(surveyor).strip(),
                "notes": None if _missing(notes) or str(notes).strip() == "" else str(notes).strip(),
                **{item: answers.get(item, "unknown") for item in ITEM_IDS},
                "source_row": number,
            }
        )
    table = pd.DataFrame.from_records(records, columns=list(SURVEY_COLUMNS))
    for item in ITEM_IDS:
        if item not in items:
            table[item] = "unknown"
    table["survey_date"] = pd.to_datetime(table["survey_date"])
    table["source_row"] = table["source_row"].astype("int64")
    _check_conflicts(table, path.name)
    table.attrs["warnings"] = (
        [f"{path.name}: rows {', '.join(map(str, skipped))} have no yes/no answer and were skipped."] if skipped else []
    )
    return table


def _check_conflicts(survey: pd.DataFrame, label: str) -> None:
    for (point, date), group in survey.groupby(["point_id", "survey_date"], sort=False):
        if len(group) < 2:
            continue
        for item in ITEM_IDS:
            given = set(group[item]) - {"unknown"}
            if len(given) > 1:
                rows = ", ".join(map(str, group["source_row"]))
                raise DataError(
                    f"{label}, rows {rows}: point {point} surveyed on {date:%Y-%m-%d} with different answers for "
                    f"{item!r} ({', '.join(sorted(given))})."
                )


def apply_survey(points: gpd.GeoDataFrame, survey: pd.DataFrame) -> gpd.GeoDataFrame:
    """Add survey answers to points and re-assess them.

    For every point and item the newest ``yes``/``no`` answer wins — over the OSM/registry evidence (rule 1 of the
    module docstring) and over answers of older surveys already stored on the points (``survey_<item>`` with
    ``survey_<item>_date``). ``survey_date`` becomes the date of the newest survey of the point; ``surveyor`` and
    ``survey_notes`` come from that survey.

    Parameters
    ----------
    points
        Service points (with ``id``), assessed or not.
    survey
        Output of :func:`read_survey` (columns ``point_id``, ``survey_date``, item columns; optional
        ``surveyor``, ``notes``, ``source_row``).

    Returns
    -------
    geopandas.GeoDataFrame
        The points re-assessed by :func:`assess_points`, with the survey columns.

    Raises
    ------
    DataError
        If survey rows name points that are not in ``points`` (the message lists the rows) or columns are missing.
    """
    if "id" not in points.columns:
        raise DataError(f"Points need an 'id' column; columns found: {list(points.columns)}.")
    missing = [c for c in ("point_id", "survey_date") if c not in survey.columns]
    if missing:
        raise DataError(f"The survey table lacks column(s) {', '.join(missing)}; use read_survey to read a form.")
    ids = points["id"].astype(str)
    survey = survey.copy()
    survey["point_id"] = survey["point_id"].astype(str)
    unknown = ~survey["point_id"].isin(set(ids))
    if unknown.any():
        rows = survey.loc[unknown, "source_row"] if "source_row" in survey else survey.index[unknown] + 2
        listed = ", ".join(f"row {r}: {p}" for r, p in zip(list(rows)[:10], survey.loc[unknown, "point_id"][:10]))
        raise DataError(f"Survey rows name points that are not in this area's service points ({listed}).")
    survey["survey_date"] = pd.to_datetime(survey["survey_date"], errors="coerce")
    if survey["survey_date"].isna().any():
        raise DataError("Every survey row needs a valid survey_date.")
    if ids.duplicated().any():
        raise DataError(f"Service points have duplicated ids: {ids[ids.duplicated()].unique()[:5].tolist()}.")
    result = points.copy()
    text_columns = [f"survey_{item}" for item in ITEM_IDS] + ["surveyor", "survey_notes"]
    date_columns = [f"survey_{item}_date" for item in ITEM_IDS] + ["survey_date"]
    for column in text_columns:
        existing = result[column] if column in result.columns else pd.Series(pd.NA, index=result.index)
        result[column] = existing.astype("string")
    for column in date_columns:
        existing = result[column] if column in result.columns else pd.Series(pd.NaT, index=result.index)
        result[column] = pd.to_datetime(existing, errors="coerce").astype("datetime64[ns]")
    position = pd.Series(np.arange(len(result)), index=ids.to_numpy())
    ordered = survey.sort_values(["survey_date"] + (["source_row"] if "source_row" in survey else []), kind="stable")
    for record in ordered.to_dict("records"):
        row = result.index[int(position[record["point_id"]])]
        date = pd.Timestamp(record["survey_date"]).normalize()
        for item in ITEM_IDS:
            answer = record.get(item)
            if _missing(answer) or str(answer) not in ("yes", "no"):
                continue
            previous = result.at[row, f"survey_{item}_date"]
            if pd.isna(previous) or date >= previous:
                result.at[row, f"survey_{item}"] = str(answer)
                result.at[row, f"survey_{item}_date"] = date
        previous = result.at[row, "survey_date"]
        if pd.isna(previous) or date >= previous:
            result.at[row, "survey_date"] = date
            result.at[row, "surveyor"] = record.get("surveyor") if not _missing(record.get("surveyor")) else pd.NA
            result.at[row, "survey_notes"] = record.get("notes") if not _missing(record.get("notes")) else pd.NA
    return assess_points(result)

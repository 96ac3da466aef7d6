"""Barrier-free (безбар'єрна) status of service points: evidence from OSM, the ЦНАП registry and on-site surveys.

Two judgements per point, from the same evidence:

* **Wheelchair access** — ``barrier_free_status`` in :data:`STATUSES` (``accessible``, ``partly``,
  ``not_accessible``, ``unknown``; UA/EN labels in :data:`STATUS_LABELS`): can a wheelchair user get in and use the
  point? Judged on the items of :data:`WHEELCHAIR_ITEMS` (step-free entrance / ramp, ramp slope, landings,
  handrails, door width, accessible WC) and the overall verdicts (OSM ``wheelchair``, registry ``disability``).
  This is the status every coverage figure uses (:mod:`analysis.barrier_free.coverage`).
* **Full checklist** — ``barrier_free_checklist`` in :data:`CHECKLIST_STATUSES` (``complete``, ``partial``,
  ``not_met``, ``unknown``; labels in :data:`CHECKLIST_LABELS`): wheelchair access *plus* the items other
  disabilities need (:data:`OTHER_ITEMS`: tactile guidance / Braille, accessible parking). A missing Braille plate
  or parking space lowers only this status, never the wheelchair status.

**Unknown is never treated as accessible** and **never as not accessible**: a point of unknown status counts only
towards the *upper* bound of the population reached (see :mod:`analysis.barrier_free.coverage`). When the sources
contradict each other about getting in, the status is ``unknown`` with rule ``sources_disagree`` and the label
"невідомо: джерела суперечать — потрібне обстеження / unknown: sources disagree — survey needed"
(:data:`DISAGREE_LABELS`) — e.g. the registry's ``disability=1`` ("adapted for persons with disabilities") with
``pandus=0`` ("no ramp").

Checklist
---------
The items of :data:`CHECKLIST` (ДБН В.2.2-40:2018 "Інклюзивність будівель і споруд" and the assessment card of the
Порядок проведення моніторингу та оцінки ступеня безбар'єрності, CMU Resolution No. 537 of 26.05.2021): step-free
entrance or ramp, ramp slope ≤ 8 % (1:12), a landing after every ≤ 0.8 m of rise, handrails at 0.7 and 0.9 m on
both sides, entrance door clear width ≥ 0.9 m, accessible WC, accessible parking near the entrance, tactile
guidance and Braille. **Key items** (:data:`KEY_ITEMS`) are the step-free entrance and the accessible WC — the two
things both OSM and the ЦНАП registry record.

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
``braille_mat`` → tactile/Braille *yes*/*no* (a checklist item, not a wheelchair item). Empty = no evidence. The
registry's ``free_parking`` is parking for everyone, not accessible parking, and is not evidence.

Survey answers (columns ``survey_<item>`` with ``survey_<item>_date``, written by :func:`apply_survey` from a
filled form, see :func:`read_survey`): *yes*/*no* per item; *unknown* answers are no evidence.

Combination rules
-----------------
1. **Per item.** If a survey answered the item, the newest survey answer is the item's value (surveys override the
   undated OSM and registry evidence). Otherwise any *no* wins over *yes* (conservative); no evidence → unknown.
2. **Wheelchair status**, first matching rule (the rule id is kept in ``barrier_free_rule``, texts in
   :data:`RULES`); only wheelchair items and verdicts count, Braille and parking never do:

   ``sources_disagree``
       an open contradiction about wheelchair access that no survey has settled: *yes* and *no* for the entrance
       or for the WC, or the entrance contradicting an overall verdict (``disability=1`` or ``wheelchair=yes``
       with ``pandus=0``/``ramp=no``; ``disability=0`` with ``pandus=1``) → ``unknown``, labelled as a
       disagreement (a survey is needed; never "not accessible").
   ``entrance_no``
       the step-free entrance resolves to *no* → ``not_accessible``.
   ``all_key_yes``
       every key item is *yes* and no wheelchair item is *no* → ``accessible``.
   ``osm_wheelchair_yes``
       OSM says ``wheelchair=yes|designated`` and no wheelchair item is *no* → ``accessible`` (the OSM
       whole-building verdict).
   ``partial_evidence``
       positive evidence about getting in (a wheelchair item *yes*, or a verdict *yes*/*partly*) but a wheelchair
       item is *no* (e.g. no accessible WC, a narrow door), or OSM ``wheelchair=limited`` → ``partly`` (a known
       barrier).
   ``positive_unconfirmed``
       positive evidence, no wheelchair item *no*, but the key items are not all confirmed (e.g. ``disability=1``
       alone, ``ramp=yes`` alone) → ``unknown`` (could be accessible; a survey decides).
   ``negative_evidence_only``
       only negative wheelchair evidence (items or verdicts *no*) → ``not_accessible``.
   ``no_evidence``
       nothing about wheelchair access → ``unknown``.

3. **Full checklist** (``barrier_free_checklist``): ``complete`` when the wheelchair status is ``accessible`` and
   every item of :data:`OTHER_ITEMS` is *yes*; else ``partial`` when some item is *no* (or the wheelchair status is
   ``partly``/``not_accessible``) and there is positive evidence; ``not_met`` when there is only negative
   evidence; ``unknown`` otherwise (nothing missing for sure, not everything confirmed). The items resolved to *no*
   are listed in ``barrier_free_checklist_missing``.
4. ``sources_disagree`` (column) is True when pieces of evidence contradict each other at all: *yes* and *no* for
   the same item (from any sources, including a survey contradicting older data), *yes*/*partly* and *no*
   verdicts, or a *yes* verdict while the entrance has a *no* (or the reverse). It is kept even when a survey has
   settled the question; rule ``sources_disagree`` marks the unsettled ones.

Output columns of :func:`assess_points`: ``barrier_free_status``, ``barrier_free_label_uk``,
``barrier_free_label_en`` (the disagreement label for rule ``sources_disagree``), ``barrier_free_rule``,
``barrier_free_evidence`` (e.g. ``"osm:wheelchair=yes; registry:pandus=0; survey 2026-05-01: ramp_slope=no"``),
``sources_disagree``, ``barrier_free_checklist``, ``barrier_free_checklist_label_uk``,
``barrier_free_checklist_label_en``, ``barrier_free_checklist_missing``, ``survey_date`` and one resolved value per
item, ``bf_<item id>`` (``yes``/``no``/``unknown``).

Survey forms
------------
:func:`survey_form` / :func:`write_survey_form` list the points whose status is not ``accessible`` (disagreeing
points are ``unknown`` and come first) with one yes/no/unknown column per checklist item plus survey date, surveyor
and notes (XLSX with drop-down lists, UA+EN headers and an instructions sheet; or CSV). Headers end in the machine
id in brackets (``"… [door_width]"``), which is what :func:`read_survey` reads back; answers may be
``так/ні/невідомо``, ``yes/no/unknown``, ``1/0``.
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
from analysis.i18n import label_table, labels

# ============================================================================================== vocabulary
#: Wheelchair-access statuses (``barrier_free_status``), best first.
STATUSES: tuple[str, ...] = ("accessible", "partly", "not_accessible", "unknown")


#: The one mapping of status -> UA/EN labels.
STATUS_LABELS: dict[str, dict[str, str]] = label_table("bf.status", STATUSES)


#: Rule id of an unsettled contradiction (status ``unknown``, shown with :data:`DISAGREE_LABELS`).
DISAGREE_RULE = "sources_disagree"


#: Label of a point of status ``unknown`` whose sources disagree.
DISAGREE_LABELS: dict[str, str] = labels("bf.disagree")


#: Statuses whose points count towards the lower bound of the population reached (confirmed accessible).
LOWER_BOUND_STATUSES: tuple[str, ...] = ("accessible",)


#: Statuses whose points count towards the upper bound: accessible, and unknown (disagreeing points included).
UPPER_BOUND_STATUSES: tuple[str, ...] = ("accessible", "unknown")


#: Checklist items that decide wheelchair access (entrance, ramp, door, WC).
WHEELCHAIR_ITEMS: tuple[str, ...] = (
    "entrance_step_free", "ramp_slope", "ramp_landings", "handrails", "door_width", "accessible_wc",
)


#: Checklist items for other needs (Braille/tactile, parking): they lower only the full-checklist status.
OTHER_ITEMS: tuple[str, ...] = tuple(item for item in ITEM_IDS if item not in WHEELCHAIR_ITEMS)


#: Full-checklist statuses (``barrier_free_checklist``), best first.
CHECKLIST_STATUSES: tuple[str, ...] = ("complete", "partial", "not_met", "unknown")


CHECKLIST_LABELS: dict[str, dict[str, str]] = label_table("bf.checklist", CHECKLIST_STATUSES)


#: Wheelchair-status rules: id -> UA/EN description (the ids are the values of ``barrier_free_rule``).
RULES: dict[str, dict[str, str]] = label_table("bf.rule", (
    DISAGREE_RULE, "entrance_no", "all_key_yes", "osm_wheelchair_yes", "partial_evidence", "positive_unconfirmed",
    "negative_evidence_only", "no_evidence",
))


def status_label(status: str, lang: str = "uk") -> str:
    """UA (``"uk"``), EN (``"en"``) or both (``"both"``: ``"невідомо / unknown"``) label of a status."""
    labels = STATUS_LABELS[status]
    return f"{labels['uk']} / {labels['en']}" if lang == "both" else labels["en" if lang == "en" else "uk"]


def point_label(status: str, rule: str, lang: str = "uk") -> str:
    """The label of one assessed point: :data:`DISAGREE_LABELS` for rule ``sources_disagree``, else the status
    label (``lang`` ``"uk"``, ``"en"`` or ``"both"``)."""
    if rule == DISAGREE_RULE:
        return (f"{DISAGREE_LABELS['uk']} / {DISAGREE_LABELS['en']}" if lang == "both"
                else DISAGREE_LABELS["en" if lang == "en" else "uk"])
    return status_label(status, lang)


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
    """Result of :func:`combine_evidence` for one point.

    Attributes
    ----------
    status, rule
        Wheelchair status (:data:`STATUSES`) and the rule that gave it (:data:`RULES`).
    items
        Item id -> resolved value (``yes``/``no``/``unknown``).
    sources_disagree
        Some pieces of evidence contradict each other (settled by a survey or not).
    checklist
        Full-checklist status (:data:`CHECKLIST_STATUSES`).
    checklist_missing
        Items resolved to *no*, in checklist order.
    """

    status: str
    rule: str
    items: dict[str, str]
    sources_disagree: bool
    checklist: str = "unknown"
    checklist_missing: tuple[str, ...] = ()


def _wheelchair_status(pieces: list[Evidence], items: dict[str, str], conflicts: set[str],
                       surveyed: set[str]) -> tuple[str, str]:
    """(status, rule) of wheelchair access: rule 2 of the module docstring."""
    verdicts = {p.value for p in pieces if p.item == "overall"}
    entrance = items["entrance_step_free"]
    open_conflict = any(item in conflicts and item not in surveyed for item in KEY_ITEMS)
    if "entrance_step_free" not in surveyed:
        entrance_values = {p.value for p in pieces if p.item == "entrance_step_free"} | {entrance}
        if ("yes" in verdicts and "no" in entrance_values) or ("no" in verdicts and "yes" in entrance_values):
            open_conflict = True
    wheelchair_no = any(items[item] == "no" for item in WHEELCHAIR_ITEMS)
    wheelchair_yes = any(items[item] == "yes" for item in WHEELCHAIR_ITEMS)
    positive = wheelchair_yes or bool(verdicts & {"yes", "partly"})
    osm_yes = any(p.item == "overall" and p.value == "yes" and p.source in ("osm", "user") for p in pieces)
    osm_limited = any(p.item == "overall" and p.value == "partly" and p.source in ("osm", "user") for p in pieces)
    if open_conflict:
        return "unknown", DISAGREE_RULE
    if entrance == "no":
        return "not_accessible", "entrance_no"
    if all(items[k] == "yes" for k in KEY_ITEMS) and not wheelchair_no:
        return "accessible", "all_key_yes"
    if osm_yes and not wheelchair_no:
        return "accessible", "osm_wheelchair_yes"
    if (positive and wheelchair_no) or osm_limited:
        return "partly", "partial_evidence"
    if positive:
        return "unknown", "positive_unconfirmed"
    if wheelchair_no or "no" in verdicts:
        return "not_accessible", "negative_evidence_only"
    return "unknown", "no_evidence"


def _checklist_status(status: str, items: dict[str, str], verdicts: set[str]) -> str:
    """Full-checklist status: rule 3 of the module docstring."""
    if status == "accessible" and all(items[item] == "yes" for item in OTHER_ITEMS):
        return "complete"
    missing = any(value == "no" for value in items.values())
    if missing or status in ("partly", "not_accessible"):
        positive = (status == "accessible" or any(value == "yes" for value in items.values())
                    or bool(verdicts & {"yes", "partly"}))
        return "partial" if positive else "not_met"
    return "unknown"


def combine_evidence(pieces: Iterable[Evidence]) -> Assessment:
    """Combine evidence pieces into the wheelchair and full-checklist statuses with the rules of the module
    docstring (pure function)."""
    pieces = list(pieces)
    items: dict[str, str] = {}
    conflicts: set[str] = set()
    surveyed: set[str] = set()
    disagree = False
    for item in ITEM_IDS:
        about = [p for p in pieces if p.item == item]
        values = {p.value for p in about}
        if "yes" in values and "no" in values:
            disagree = True
            conflicts.add(item)
        answers = [p for p in about if p.source == "survey"]
        if answers:
            surveyed.add(item)
            newest = max(answers, key=lambda p: p.date if p.date is not None else pd.Timestamp.min)
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
    status, rule = _wheelchair_status(pieces, items, conflicts, surveyed)
    return Assessment(
        status=status, rule=rule, items=items, sources_disagree=disagree,
        checklist=_checklist_status(status, items, verdicts),
        checklist_missing=tuple(item for item in ITEM_IDS if items[item] == "no"),
    )


#: Columns :func:`assess_points` adds (besides ``survey_date`` and ``bf_<item>``).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "barrier_free_status", "barrier_free_label_uk", "barrier_free_label_en", "barrier_free_rule",
    "barrier_free_evidence", "sources_disagree", "barrier_free_checklist", "barrier_free_checklist_label_uk",
    "barrier_free_checklist_label_en", "barrier_free_checklist_missing",
)


def assess_points(service_points: gpd.GeoDataFrame | pd.DataFrame) -> gpd.GeoDataFrame:
    """Wheelchair and full-checklist barrier-free status of every service point from OSM tags, registry flags and
    survey answers.

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
        A copy with :data:`OUTPUT_COLUMNS`, ``survey_date`` and ``bf_<item>`` added (replaced if present); rows and
        order kept. The combination rules are in the module docstring.
    """
    if not isinstance(service_points, pd.DataFrame):
        raise DataError("Service points must be a table (GeoDataFrame or DataFrame).")
    result = service_points.copy()
    records = result.to_dict("records")
    assessments: list[Assessment] = []
    evidence: list[str] = []
    for record in records:
        pieces, texts = point_evidence(record)
        assessments.append(combine_evidence(pieces))
        evidence.append("; ".join(texts))
    index = result.index

    def column(values: list, dtype: str = "string") -> pd.Series:
        return pd.Series(values, index=index, dtype=dtype)

    result["barrier_free_status"] = column([a.status for a in assessments])
    result["barrier_free_label_uk"] = column([point_label(a.status, a.rule, "uk") for a in assessments])
    result["barrier_free_label_en"] = column([point_label(a.status, a.rule, "en") for a in assessments])
    result["barrier_free_rule"] = column([a.rule for a in assessments])
    result["barrier_free_evidence"] = column(evidence)
    result["sources_disagree"] = column([a.sources_disagree for a in assessments], dtype=bool)
    result["barrier_free_checklist"] = column([a.checklist for a in assessments])
    result["barrier_free_checklist_label_uk"] = column([CHECKLIST_LABELS[a.checklist]["uk"] for a in assessments])
    result["barrier_free_checklist_label_en"] = column([CHECKLIST_LABELS[a.checklist]["en"] for a in assessments])
    result["barrier_free_checklist_missing"] = column(["; ".join(a.checklist_missing) for a in assessments])
    if "survey_date" in result.columns:
        result["survey_date"] = pd.to_datetime(result["survey_date"], errors="coerce")
    else:
        result["survey_date"] = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    for item in ITEM_IDS:
        result[f"bf_{item}"] = column([a.items[item] for a in assessments])
    return result


def _require_assessed(points: pd.DataFrame) -> None:
    if "barrier_free_status" not in points.columns:
        raise DataError("Points are not assessed: call assess_points first (no 'barrier_free_status' column).")


def status_counts(points: pd.DataFrame) -> pd.Series:
    """Number of points per wheelchair status (all four statuses, zeros included), from ``barrier_free_status``.
    Disagreeing points are counted as ``unknown`` (see :func:`disagree_mask` for how many)."""
    _require_assessed(points)
    return points["barrier_free_status"].value_counts().reindex(list(STATUSES), fill_value=0).astype(int)


def disagree_mask(points: pd.DataFrame) -> pd.Series:
    """True for the assessed points whose sources disagree and no survey has settled it (rule
    ``sources_disagree``; their status is ``unknown``)."""
    _require_assessed(points)
    if "barrier_free_rule" not in points.columns:
        return pd.Series(False, index=points.index)
    return points["barrier_free_rule"].astype("string").eq(DISAGREE_RULE).fillna(False).astype(bool)


def checklist_counts(points: pd.DataFrame) -> pd.Series:
    """Number of points per full-checklist status (:data:`CHECKLIST_STATUSES`, zeros included)."""
    _require_assessed(points)
    if "barrier_free_checklist" not in points.columns:
        raise DataError("Points were assessed before the full checklist existed: call assess_points again.")
    counts = points["barrier_free_checklist"].value_counts()
    return counts.reindex(list(CHECKLIST_STATUSES), fill_value=0).astype(int)


def _assessed(points: pd.DataFrame) -> pd.DataFrame:
    return points if "barrier_free_status" in points.columns else assess_points(points)

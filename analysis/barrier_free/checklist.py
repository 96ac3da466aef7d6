"""The barrier-free checklist (ДБН В.2.2-40:2018, CMU Resolution 537) and answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import pandas as pd

from analysis.i18n import label_table, labels

#: Survey answers and their labels (the XLSX drop-down offers these).
ANSWERS: tuple[str, ...] = ("yes", "no", "unknown")


ANSWER_LABELS: dict[str, dict[str, str]] = label_table("bf.answer", ANSWERS)


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


def _item(id: str, norm: str, **fields) -> ChecklistItem:
    """A checklist item whose question and hint come from the catalogs (``bf.item.<id>``, ``bf.item.<id>.hint``)."""
    label, hint = labels(f"bf.item.{id}"), labels(f"bf.item.{id}.hint")
    return ChecklistItem(id=id, label_uk=label["uk"], label_en=label["en"], norm=norm, hint_uk=hint["uk"],
                         hint_en=hint["en"], **fields)


#: The barrier-free checklist (ДБН В.2.2-40:2018; CMU Resolution 537 of 2021) — the one table of items.
CHECKLIST: tuple[ChecklistItem, ...] = (
    _item(
        id="entrance_step_free",
        norm=f"{_DBN}: вхідна група, пандуси; {_CMU_537}",
        key=True,
        osm_tags=("wheelchair", "ramp", "ramp:wheelchair"),
        registry_flag="pandus",
    ),
    _item(
        id="ramp_slope",
        norm=f"{_DBN}: пандуси (ухил відкритого пандуса ≤ 8 %)",
    ),
    _item(
        id="ramp_landings",
        norm=f"{_DBN}: пандуси (висота одного підйому ≤ 0,8 м, далі горизонтальна площадка)",
    ),
    _item(
        id="handrails",
        norm=f"{_DBN}: поручні (двобічна огорожа з поручнями на висоті 0,7 і 0,9 м)",
    ),
    _item(
        id="door_width",
        norm=f"{_DBN}: вхідна група (ширина дверного отвору в світлі ≥ 0,9 м)",
        osm_tags=("wheelchair", "door:width", "width"),
    ),
    _item(
        id="accessible_wc",
        norm=f"{_DBN}: санітарно-гігієнічні приміщення; {_CMU_537}",
        key=True,
        osm_tags=("toilets:wheelchair",),
        registry_flag="dis_sanit",
    ),
    _item(
        id="accessible_parking",
        norm=f"{_DBN}: паркування (місця для транспорту осіб з інвалідністю); {_CMU_537}",
    ),
    _item(
        id="tactile_braille",
        norm=f"{_DBN}: тактильні покажчики, інформація шрифтом Брайля; {_CMU_537}",
        registry_flag="braille_mat",
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

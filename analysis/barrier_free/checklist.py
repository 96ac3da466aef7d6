"""The barrier-free checklist (ДБН В.2.2-40:2018, CMU Resolution 537) and answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import pandas as pd

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

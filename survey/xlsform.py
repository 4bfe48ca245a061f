"""XLSForm export of a questionnaire, for KoboToolbox and ODK.

An XLSForm is a workbook with three sheets, ``survey``, ``choices`` and
``settings``, defined by the XLSForm specification (https://xlsform.org).
:func:`xlsform_frames` builds the sheets as DataFrames from an
:class:`~smekit.survey.instrument.Instrument`; :func:`write_xlsform` writes them
to an ``.xlsx`` file that KoboToolbox imports and ``pyxform`` converts to an XForm.

Layout
------
* Every section is a ``begin_group``/``end_group`` pair labelled with its title;
  the section description is a ``note`` at its start.
* A run of two or more consecutive Likert items sharing a scale inside a section
  is a ``field-list`` group (one screen), and every Likert item is a
  ``select_one <scale>`` with the ``likert`` appearance, as in KoboToolbox's
  Likert question type. The scale's choice list is named after the scale; its
  choice names are the numeric points and its labels the anchors.
* Single and multiple choice items are ``select_one``/``select_multiple`` over a
  choice list: a named list keeps its name, inline choices get ``<item_id>_choices``.
  Choice names come from :attr:`Choice.xls_name`.
* ``min``/``max`` become a ``constraint`` with a ``constraint_message``;
  ``relevant`` comes from :meth:`Instrument.relevant_xpath`.
* Three extra columns, ``smekit_construct``, ``smekit_reverse`` and
  ``smekit_attention_check`` (expected choice names), keep the scoring metadata.
  ``pyxform`` and KoboToolbox ignore columns they do not know, so the form
  converts unchanged.

Example
-------
>>> from smekit.survey.instrument import load_instrument, library_path
>>> frames = xlsform_frames(load_instrument(library_path("s1_resilience_dt")))
>>> sorted(frames)
['choices', 'settings', 'survey']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smekit.core.errors import SmekitError
from smekit.survey.instrument import Choice, Instrument, Item, ItemType, Scale

SURVEY_COLUMNS = [
    "type",
    "name",
    "label",
    "hint",
    "appearance",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "smekit_construct",
    "smekit_reverse",
    "smekit_attention_check",
]
CHOICES_COLUMNS = ["list_name", "name", "label"]
SETTINGS_COLUMNS = ["form_title", "form_id", "version", "default_language"]

# ISO 639-1 code → English name, for the XLSForm "Name (code)" language format.
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "bn": "Bengali",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "ms": "Malay",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "sw": "Swahili",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}

_NUMERIC_TYPES = {ItemType.integer: "integer", ItemType.decimal: "decimal"}


def language_label(code: str) -> str:
    """An XLSForm language label, ``"English (en)"`` for ``"en"``.

    Codes outside :data:`LANGUAGE_NAMES` are returned unchanged.
    """
    base = code.split("-")[0].split("_")[0].lower()
    name = LANGUAGE_NAMES.get(base)
    return f"{name} ({code})" if name else code


def _number(value: float) -> str:
    """Write a bound without a spurious ``.0``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def constraint_of(item: Item) -> tuple[str, str] | None:
    """The XLSForm ``constraint`` and ``constraint_message`` of a numeric item's range.

    Returns ``None`` when the item has neither ``min`` nor ``max``.
    """
    lo = None if item.min is None else _number(item.min)
    hi = None if item.max is None else _number(item.max)
    if lo is not None and hi is not None:
        return f". >= {lo} and . <= {hi}", f"Enter a number from {lo} to {hi}."
    if lo is not None:
        return f". >= {lo}", f"Enter a number of at least {lo}."
    if hi is not None:
        return f". <= {hi}", f"Enter a number of at most {hi}."
    return None


class _Names:
    """Hands out names not used before, adding ``_2``, ``_3``... on a clash."""

    def __init__(self, taken: set[str] | None = None):
        self.taken = set(taken or ())

    def get(self, wanted: str) -> str:
        name, k = wanted, 2
        while name in self.taken:
            name = f"{wanted}_{k}"
            k += 1
        self.taken.add(name)
        return name


def _scale_choices(scale: Scale) -> list[tuple[str, str]]:
    return [(str(p), scale.anchors.get(p, str(p))) for p in scale.points]


def _item_choices(choices: list[Choice]) -> list[tuple[str, str]]:
    return [(c.xls_name, c.label) for c in choices]


def _choice_lists(instrument: Instrument) -> tuple[dict[str, str], list[dict]]:
    """Assign a list name to every item with options and build the choices rows.

    Returns
    -------
    (item id → list name, rows of the choices sheet)
    """
    names = _Names()
    by_key: dict[tuple[str, str], str] = {}
    of_item: dict[str, str] = {}
    rows: list[dict] = []
    for item in instrument.iter_items():
        if item.type == ItemType.likert:
            key = ("scale", item.scale)
            wanted = item.scale
            options = _scale_choices(instrument.scale_of(item))
        elif item.type in (ItemType.single_choice, ItemType.multiple_choice):
            if isinstance(item.choices, str):
                key = ("list", item.choices)
                wanted = item.choices
            else:
                key = ("inline", item.id)
                wanted = f"{item.id}_choices"
            options = _item_choices(instrument.choices_of(item))
        else:
            continue
        if key not in by_key:
            list_name = names.get(wanted)
            by_key[key] = list_name
            rows.extend({"list_name": list_name, "name": n, "label": lab} for n, lab in options)
        of_item[item.id] = by_key[key]
    return of_item, rows


def likert_runs(items: list[Item]) -> list[list[Item]]:
    """Split a section's items into runs: consecutive Likert items on one scale, or singles.

    Every item is in exactly one run, in order; a run has more than one item only
    when all its items are Likert items on the same scale.
    """
    runs: list[list[Item]] = []
    for item in items:
        prev = runs[-1][-1] if runs else None
        if (
            prev is not None
            and item.type == ItemType.likert
            and prev.type == ItemType.likert
            and item.scale == prev.scale
        ):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _item_row(instrument: Instrument, item: Item, list_name: str | None) -> dict:
    if item.type == ItemType.likert:
        type_ = f"select_one {list_name}"
    elif item.type == ItemType.single_choice:
        type_ = f"select_one {list_name}"
    elif item.type == ItemType.multiple_choice:
        type_ = f"select_multiple {list_name}"
    elif item.type in _NUMERIC_TYPES:
        type_ = _NUMERIC_TYPES[item.type]
    else:
        type_ = "text"
    row = {
        "type": type_,
        "name": item.id,
        "label": item.text,
        "hint": item.hint,
        "appearance": "likert" if item.type == ItemType.likert else None,
        "required": "yes" if item.required else "no",
        "relevant": instrument.relevant_xpath(item),
        "smekit_construct": item.construct_id,
        "smekit_reverse": "yes" if item.reverse else None,
    }
    constraint = constraint_of(item)
    if constraint is not None:
        row["constraint"], row["constraint_message"] = constraint
    if item.attention_check is not None:
        if item.type == ItemType.likert:
            expected = [str(v) for v in item.attention_check.expected]
        else:
            by_value = {c.value: c.xls_name for c in instrument.choices_of(item)}
            expected = [by_value[v] for v in item.attention_check.expected]
        row["smekit_attention_check"] = " ".join(expected)
    return row


def _survey_rows(instrument: Instrument, lists: dict[str, str]) -> list[dict]:
    names = _Names({item.id for item in instrument.iter_items()})
    rows: list[dict] = []
    for section in instrument.sections:
        rows.append({"type": "begin_group", "name": names.get(section.id), "label": section.title})
        note = None
        if section.description:
            note = {
                "type": "note",
                "name": names.get(f"{section.id}_note"),
                "label": section.description,
            }
        runs = likert_runs(section.items)
        if note is not None and len(runs[0]) == 1:
            rows.append(note)
            note = None
        for run in runs:
            if len(run) > 1:
                group = names.get(f"{section.id}_{run[0].scale}")
                rows.append({"type": "begin_group", "name": group, "appearance": "field-list"})
                if note is not None:
                    rows.append(note)
                    note = None
            rows.extend(_item_row(instrument, item, lists.get(item.id)) for item in run)
            if len(run) > 1:
                rows.append({"type": "end_group"})
        rows.append({"type": "end_group"})
    return rows


def xlsform_frames(instrument: Instrument) -> dict[str, pd.DataFrame]:
    """Build the sheets of an XLSForm for a questionnaire.

    Follows the XLSForm specification (https://xlsform.org) as implemented by
    ``pyxform`` and KoboToolbox; see the module docstring for the layout.

    Parameters
    ----------
    instrument
        The questionnaire.

    Returns
    -------
    ``{"survey": ..., "choices": ..., "settings": ...}``, one DataFrame per sheet
    with the columns of :data:`SURVEY_COLUMNS`, :data:`CHOICES_COLUMNS` and
    :data:`SETTINGS_COLUMNS`; empty cells are missing values.
    """
    lists, choice_rows = _choice_lists(instrument)
    survey = pd.DataFrame(_survey_rows(instrument, lists), columns=SURVEY_COLUMNS)
    choices = pd.DataFrame(choice_rows, columns=CHOICES_COLUMNS)
    settings = pd.DataFrame(
        [
            {
                "form_title": instrument.title,
                "form_id": instrument.id,
                "version": instrument.version,
                "default_language": language_label(instrument.language),
            }
        ],
        columns=SETTINGS_COLUMNS,
    )
    return {"survey": survey, "choices": choices, "settings": settings}


def write_xlsform(instrument: Instrument, path: str | Path) -> Path:
    """Write a questionnaire as an XLSForm workbook (``.xlsx``).

    Parameters
    ----------
    instrument
        The questionnaire.
    path
        Output file; must end in ``.xlsx``.

    Returns
    -------
    The path written.

    Raises
    ------
    SmekitError
        When the path does not end in ``.xlsx`` or cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise SmekitError(
            "an XLSForm must be written as an .xlsx workbook",
            where=path,
            fix=f"use {path.with_suffix('.xlsx').name}",
        )
    frames = xlsform_frames(instrument)
    try:
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for sheet, frame in frames.items():
                frame.to_excel(writer, sheet_name=sheet, index=False)
    except OSError as exc:
        raise SmekitError(
            f"cannot write the XLSForm: {exc.strerror or exc}",
            where=path,
            fix="check that the folder exists and is writable",
        ) from None
    return path

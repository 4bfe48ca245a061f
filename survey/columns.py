"""Which file column holds which item of the instrument."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from smekit.core.errors import DataError, Location
from smekit.survey.instrument import Instrument
from smekit.survey.rawtable import _Table


@dataclass(frozen=True)
class _Resolution:
    items: dict[str, int]
    options: dict[str, dict[int, int]]
    unknown: list[int]
    names: list[str]


def _check_duplicates(names: list[str], where: str) -> None:
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if not name.strip():
            continue
        if name in seen:
            raise DataError(
                f"column name '{name}' is used twice (columns {seen[name] + 1} and {j + 1})",
                where=where,
                fix="rename one of the columns",
            )
        seen[name] = j


_LIMESURVEY = re.compile(r"^\s*([A-Za-z_][\w-]*)\[([\w-]+)\]\s*$")
_PATH_SEPARATORS = re.compile(r"[/.]")
_SPLIT_OPTION = re.compile(r"^\s*([A-Za-z_][\w-]*?)_(\d+)\s*$")


def normalise_label(text: str) -> str:
    """Case-, spacing- and end-punctuation-insensitive form of a header or label.

    Examples
    --------
    >>> normalise_label("  How many  people work here? ")
    'how many people work here'
    """
    return " ".join(str(text).split()).casefold().strip(" :?*.\"'")


@dataclass(frozen=True, eq=False)
class _Matcher:
    """How column names map onto an instrument's items.

    A column holds an item when its name, in this order of precedence, is

    1. the item's id or its ``column:`` alias, exactly;
    2. either of them ignoring case;
    3. a LimeSurvey ``code[subcode]`` name: it holds item ``code_subcode``, or,
       when ``code`` is a multiple-choice item and ``subcode`` one of its options
       (choice name or value), that option's ``Y``/blank column; a
       Qualtrics split column ``question_N`` of a multiple-choice item whose
       option ``N`` exists holds that option (``1``, or the option's label, when
       chosen);
    4. (KoboToolbox exports only) a group path with ``/`` or ``.`` as separator
       (``group/question``, ``group.question``) whose last part names the item,
       or whose last two parts name a multiple-choice item and one of its options
       (a 0/1 option column);
    5. the item's wording (KoboToolbox and Qualtrics label headers), ignoring case,
       spacing and end punctuation; for a label path (``Group label/Question
       label``) its last part, and for options ``Question label/Option label``;
       in a Qualtrics export, the question text under the column in row 2
       (for matrix questions ``Question - Statement``, the statement).

    Step 1 is an exact match, the others loose: an exact match wins over a loose one.
    """

    instrument: Instrument
    exact: dict[str, str]
    folded: dict[str, str]
    labels: dict[str, str]
    paths: bool = True

    @classmethod
    def of(cls, instrument: Instrument, *, paths: bool = True) -> _Matcher:
        exact: dict[str, str] = {}
        counts: dict[str, int] = {}
        labels: dict[str, str] = {}
        label_counts: dict[str, int] = {}
        for item in instrument.iter_items():
            for key in (item.id, item.column):
                if key is not None:
                    exact[key] = item.id
                    counts[key.casefold()] = counts.get(key.casefold(), 0) + 1
            text = normalise_label(item.text)
            label_counts[text] = label_counts.get(text, 0) + 1
            labels[text] = item.id
        folded = {k.casefold(): v for k, v in exact.items() if counts[k.casefold()] == 1}
        labels = {k: v for k, v in labels.items() if label_counts[k] == 1 and k}
        return cls(instrument, exact, folded, labels, paths)

    def _by_name(self, key: str) -> tuple[str, bool]:
        key = key.strip()
        if key in self.exact:
            return self.exact[key], True
        return self.folded.get(key.casefold(), ""), False

    def _choice(self, token: str, item_id: str) -> int | None:
        item = self.instrument.items[item_id]
        token = normalise_label(token)
        for choice in self.instrument.choices_of(item):
            names = (choice.xls_name.casefold(), str(choice.value), normalise_label(choice.label))
            if token in names:
                return choice.value
        return None

    def match(self, name: str) -> tuple[str, str, int | None]:
        """``(kind, item_id, option)``: kind is ``exact``, ``loose``, ``option`` or ``""``."""
        item_id, is_exact = self._by_name(name)
        if item_id:
            return ("exact" if is_exact else "loose"), item_id, None
        multi = set(self.instrument.multiple_choice_ids)
        lime = _LIMESURVEY.match(name)
        if lime:
            item_id, _ = self._by_name(f"{lime.group(1)}_{lime.group(2)}")
            if item_id:
                return "loose", item_id, None
            parent, _ = self._by_name(lime.group(1))
            if parent in multi:
                code = self._choice(lime.group(2), parent)
                if code is not None:
                    return "option", parent, code
        split = _SPLIT_OPTION.match(name)
        if split:
            parent, _ = self._by_name(split.group(1))
            if parent in multi:
                code = int(split.group(2))
                if code in self.instrument.codes(self.instrument.items[parent]):
                    return "option", parent, code
        parts = (
            [p.strip() for p in _PATH_SEPARATORS.split(name)]
            if _PATH_SEPARATORS.search(name)
            else []
        )
        if self.paths and len(parts) >= 2 and all(parts):
            parent, _ = self._by_name(parts[-2])
            if parent in multi:
                code = self._choice(parts[-1], parent)
                if code is not None:
                    return "option", parent, code
            item_id, _ = self._by_name(parts[-1])
            if item_id:
                return "loose", item_id, None
        text = normalise_label(name)
        if text in self.labels:
            return "loose", self.labels[text], None
        if "/" in name:
            label_parts = [normalise_label(p) for p in name.split("/")]
            parent = self.labels.get(label_parts[-2], "") if len(label_parts) >= 2 else ""
            if parent in multi:
                code = self._choice(label_parts[-1], parent)
                if code is not None:
                    return "option", parent, code
            if label_parts[-1] in self.labels:
                return "loose", self.labels[label_parts[-1]], None
        return "", "", None

    def match_text(self, text: str) -> str:
        """The item whose wording a Qualtrics question-text cell holds ('' for none).

        Matrix questions write ``Question - Statement``: the statement alone is
        tried too.
        """
        key = normalise_label(text)
        if key in self.labels:
            return self.labels[key]
        if " - " in text:
            return self.labels.get(normalise_label(text.rsplit(" - ", 1)[1]), "")
        return ""


def header_score(names: list[str], instrument: Instrument) -> int:
    """How many distinct items of ``instrument`` the column names hold.

    Examples
    --------
    >>> from smekit.survey.instrument import load_instrument, library_path
    >>> inst = load_instrument(library_path("s1_resilience_dt"))
    >>> header_score(["respondent_id", "dt1", "digital_tools.dt2", "DT3"], inst)
    3
    """
    matcher = _Matcher.of(instrument)
    return len({matcher.match(str(n))[1] for n in names if str(n).strip()} - {""})


def _closest(item_ids: list[str], names: list[str], instrument: Instrument) -> list[str]:
    """``item: 'closest', 'names'`` for each unmatched item that has a similar column."""
    by_label = {normalise_label(n): n for n in names if n.strip()}
    by_key = {n.casefold().replace("_", ""): n for n in names if n.strip()}
    lines = []
    for item_id in item_ids:
        item = instrument.items[item_id]
        key = item_id.casefold().replace("_", "")
        near = [by_key[k] for k in difflib.get_close_matches(key, by_key, n=3, cutoff=0.6)]
        near += [
            by_label[k]
            for k in difflib.get_close_matches(normalise_label(item.text), by_label, 2, 0.6)
        ]
        near = list(dict.fromkeys(near))[:3]
        if near:
            lines.append(f"{item_id}: {', '.join(repr(n) for n in near)}")
    return lines


def _resolve(
    table: _Table,
    instrument: Instrument,
    *,
    kobo: bool,
    where: str,
    min_item_share: float = 0.5,
    texts: list[str] | None = None,
    sheets: tuple[str, list[str]] | None = None,
) -> _Resolution:
    """Which column holds which item; stops when too few items are found.

    ``sheets`` (the sheet read and the workbook's sheets) go into that message.
    """
    names = list(table.names)
    _check_duplicates(names, where)
    matcher = _Matcher.of(instrument, paths=kobo)
    exact: dict[str, list[int]] = {}
    loose: dict[str, list[int]] = {}
    options: dict[str, dict[int, int]] = {}
    unknown: list[int] = []
    for j, raw_name in enumerate(names):
        name = raw_name.strip()
        if not name:
            if not table.columns[j].all_missing:
                names[j] = _unused_name(f"unnamed_{j + 1}", names)
                unknown.append(j)
            continue
        kind, item_id, code = matcher.match(name)
        if not kind and texts is not None and j < len(texts) and texts[j].strip():
            item_id = matcher.match_text(texts[j])
            kind = "loose" if item_id else ""
        if kind == "option":
            options.setdefault(item_id, {})[code] = j
        elif kind:
            (exact if kind == "exact" else loose).setdefault(item_id, []).append(j)
        else:
            unknown.append(j)
    items: dict[str, int] = {}
    for matches, exact_match in ((exact, True), (loose, False)):
        for item_id, positions in matches.items():
            if not exact_match and item_id in items:  # an exact name wins over a loose one
                unknown.extend(positions)
                continue
            if len(positions) > 1:
                held = ", ".join(repr(names[p]) for p in positions)
                raise DataError(
                    f"columns {held} all hold item '{item_id}'",
                    where=where,
                    fix="keep one column per item",
                )
            items[item_id] = positions[0]
    _check_coverage(set(items) | set(options), names, instrument, where, min_item_share, sheets)
    return _Resolution(items=items, options=options, unknown=sorted(unknown), names=names)


def _check_coverage(
    found: set[str],
    names: list[str],
    instrument: Instrument,
    where: str,
    share: float,
    sheets: tuple[str, list[str]] | None = None,
) -> None:
    total = len(instrument.items)
    if found and len(found) >= share * total:
        return
    missing = [i for i in instrument.items if i not in found]
    close = _closest(missing, [n for n in names if n.strip()], instrument)
    if close:
        shown = "; ".join(close[:12]) + (
            f" (and {len(close) - 12} more)" if len(close) > 12 else ""
        )
        hint = f"closest column names for the unmatched items: {shown}"
        rest = len(missing) - len(close)
        if rest:
            hint += f"; {rest} other items have no similar column"
    else:
        hint = "no column name is close to any unmatched item"
    what = f"only {len(found)} of the instrument's {total} items match a column; {hint}"
    fix = (
        "rename the columns to the item ids, add `column:` aliases to the instrument, "
        "or check that this file answers this instrument"
        + ("" if share == 0 else " (to read a file holding only some items: min_item_share=0)")
    )
    if sheets is not None:
        read, every = sheets
        listed = ", ".join(f"'{s}'" for s in every)
        what += f" (read sheet '{read}'; the workbook's sheets: {listed})"
        fix = f"pass the sheet that holds the responses (--sheet NAME); {fix}"
    raise DataError(what, where=Location(where, 1), fix=fix)


def _unused_name(base: str, names: list[str]) -> str:
    name, k = base, 1
    while name in names:
        k += 1
        name = f"{base}_{k}"
    return name

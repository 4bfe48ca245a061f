"""The questionnaire model: sections, items, response scales and constructs.

A questionnaire is a YAML file (see ``instruments/``) validated by
:class:`Instrument`. Everything downstream (import, quality checks, scoring,
XLSForm and printable export) reads the instrument, never the YAML.

Example
-------
>>> from smekit.survey.instrument import load_instrument, library_path
>>> inst = load_instrument(library_path("s1_resilience_dt"))
>>> inst.construct("digital_tools").scoring
'mean'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from smekit.core.errors import InstrumentError
from smekit.core.identifiers import Identifier
from smekit.core.yamlio import read_yaml, validate_yaml
from smekit.survey import conditions


class ItemType(StrEnum):
    """Answer types an item can have."""

    likert = "likert"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    integer = "integer"
    decimal = "decimal"
    text = "text"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Choice(_Strict):
    """One option of a choice item: a numeric code and its label."""

    value: int
    label: str
    name: Identifier | None = Field(
        default=None, description="Name used in XLSForm and KoboToolbox exports; default: c<value>"
    )

    @property
    def xls_name(self) -> str:
        return self.name or f"c{self.value}".replace("-", "m")


class Scale(_Strict):
    """A Likert response scale: integer points from ``min`` to ``max`` with anchor labels.

    ``anchors`` labels some or all points (at least both ends).
    """

    min: int = 1
    max: int = 5
    anchors: dict[int, str]

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if self.max <= self.min:
            raise ValueError("max must be greater than min")
        bad = [k for k in self.anchors if not self.min <= k <= self.max]
        if bad:
            raise ValueError(f"anchor points {bad} are outside {self.min}..{self.max}")
        if self.min not in self.anchors or self.max not in self.anchors:
            raise ValueError("anchors must label both ends of the scale")
        return self

    @property
    def points(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    def reverse(self, value: float) -> float:
        """Reverse-code a value: ``min + max - value``."""
        return self.min + self.max - value


class AttentionCheck(_Strict):
    """An instructed-response item: a respondent passes when the answer is in ``expected``."""

    expected: list[int]

    @field_validator("expected", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, int) else v


class Item(_Strict):
    """One question."""

    id: Identifier
    text: str
    type: ItemType
    hint: str | None = None
    scale: str | None = Field(default=None, description="Name of a scale in `scales` (likert)")
    choices: str | list[Choice] | None = Field(
        default=None, description="A list in `choice_lists`, or the choices inline"
    )
    min: float | None = None
    max: float | None = None
    reverse: bool = False
    required: bool = True
    relevant: str | None = None
    construct_id: Identifier | None = Field(
        default=None, alias="construct", description="Construct this item measures"
    )
    attention_check: AttentionCheck | None = None
    column: str | None = Field(
        default=None,
        min_length=1,
        description="Column that holds this item in response files, when it is not the item "
        "id (e.g. LimeSurvey's 'q1[vis1]' or an agency's 'Q12a')",
    )

    @model_validator(mode="after")
    def _check(self) -> Item:
        t = self.type
        if t == ItemType.likert and not self.scale:
            raise ValueError("a likert item needs `scale`")
        if t != ItemType.likert and self.scale:
            raise ValueError("`scale` is only for likert items")
        if t in (ItemType.single_choice, ItemType.multiple_choice) and not self.choices:
            raise ValueError(f"a {t.value} item needs `choices`")
        if t not in (ItemType.single_choice, ItemType.multiple_choice) and self.choices:
            raise ValueError("`choices` is only for single_choice and multiple_choice items")
        if self.reverse and t != ItemType.likert:
            raise ValueError("only likert items can be reverse-coded")
        if self.construct_id and t not in (ItemType.likert, ItemType.integer, ItemType.decimal):
            raise ValueError("only likert or numeric items can belong to a construct")
        if (self.min is not None or self.max is not None) and t not in (
            ItemType.integer,
            ItemType.decimal,
        ):
            raise ValueError("`min`/`max` are only for integer and decimal items")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("`min` is greater than `max`")
        if self.attention_check and t not in (ItemType.likert, ItemType.single_choice):
            raise ValueError("an attention check must be a likert or single_choice item")
        if self.relevant:
            try:
                conditions.parse(self.relevant)
            except conditions.ConditionError as exc:
                raise ValueError(str(exc)) from None
        return self

    @property
    def numeric(self) -> bool:
        """Whether answers are numbers (likert, single choice and numeric items)."""
        return self.type in (
            ItemType.likert,
            ItemType.single_choice,
            ItemType.integer,
            ItemType.decimal,
        )


class Section(_Strict):
    """A titled group of items."""

    id: Identifier
    title: str
    description: str | None = None
    items: list[Item] = Field(min_length=1)


class Construct(_Strict):
    """A latent construct scored from its items.

    ``scoring`` is ``mean`` or ``sum``; a respondent gets a score only with at least
    ``min_valid`` answered items (a sum is then prorated to the full item count).
    """

    id: Identifier
    label: str
    description: str | None = None
    scoring: Literal["mean", "sum"] = "mean"
    min_valid: int | None = Field(default=None, ge=1)
    source: str | None = None


class Instrument(_Strict):
    """A questionnaire.

    Attributes
    ----------
    id, title, version, language
        Identity of the instrument.
    scales
        Named Likert scales.
    choice_lists
        Named choice lists shared by several items.
    sections
        The questionnaire's sections, in order.
    constructs
        Scored constructs; items join one with ``construct:``.
    """

    kind: Literal["questionnaire"] = "questionnaire"
    id: Identifier
    title: str
    version: str = "1.0"
    language: str = "en"
    description: str | None = None
    source: str | None = None
    scales: dict[Identifier, Scale] = Field(default_factory=dict)
    choice_lists: dict[Identifier, list[Choice]] = Field(default_factory=dict)
    sections: list[Section] = Field(min_length=1)
    constructs: list[Construct] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_check(self) -> Instrument:
        seen: set[str] = set()
        columns: dict[str, str] = {}
        construct_ids = {c.id for c in self.constructs}
        if len(construct_ids) != len(self.constructs):
            raise ValueError("construct ids must be unique")
        for item in self.iter_items():
            if item.id in seen:
                raise ValueError(f"item id '{item.id}' is used twice")
            seen.add(item.id)
            if item.column is not None:
                if item.column in columns:
                    raise ValueError(
                        f"items '{columns[item.column]}' and '{item.id}' name the same "
                        f"column '{item.column}'"
                    )
                columns[item.column] = item.id
            if item.scale and item.scale not in self.scales:
                raise ValueError(f"item '{item.id}' uses unknown scale '{item.scale}'")
            if isinstance(item.choices, str) and item.choices not in self.choice_lists:
                raise ValueError(f"item '{item.id}' uses unknown choice list '{item.choices}'")
            if item.construct_id and item.construct_id not in construct_ids:
                raise ValueError(f"item '{item.id}' names unknown construct '{item.construct_id}'")
            if item.relevant:
                missing = conditions.names(item.relevant) - seen
                if missing:
                    raise ValueError(
                        f"item '{item.id}': condition refers to {sorted(missing)}, "
                        "which are not earlier items"
                    )
            if item.attention_check:
                allowed = self.codes(item)
                bad = [v for v in item.attention_check.expected if v not in allowed]
                if bad:
                    raise ValueError(f"item '{item.id}': expected answer {bad} is not an option")
        for c in self.constructs:
            n = len(self.construct_items(c.id))
            if n == 0:
                raise ValueError(f"construct '{c.id}' has no items")
            if c.min_valid is not None and c.min_valid > n:
                raise ValueError(f"construct '{c.id}': min_valid {c.min_valid} > {n} items")
        for name, choices in self.choice_lists.items():
            values = [c.value for c in choices]
            if len(set(values)) != len(values):
                raise ValueError(f"choice list '{name}' repeats a value")
        return self

    # -- look-ups ---------------------------------------------------------
    def iter_items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items

    @cached_property
    def items(self) -> dict[str, Item]:
        """Items by id, in questionnaire order."""
        return {item.id: item for item in self.iter_items()}

    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise InstrumentError(f"instrument '{self.id}' has no item '{item_id}'") from None

    def construct(self, construct_id: str) -> Construct:
        for c in self.constructs:
            if c.id == construct_id:
                return c
        known = ", ".join(c.id for c in self.constructs)
        raise InstrumentError(
            f"instrument '{self.id}' has no construct '{construct_id}'", fix=f"known: {known}"
        )

    def construct_items(self, construct_id: str) -> list[Item]:
        return [i for i in self.iter_items() if i.construct_id == construct_id]

    def choices_of(self, item: Item) -> list[Choice]:
        """The choices of a choice item (resolving a named list)."""
        if isinstance(item.choices, str):
            return self.choice_lists[item.choices]
        return list(item.choices or [])

    def scale_of(self, item: Item) -> Scale:
        if item.scale is None:
            raise InstrumentError(f"item '{item.id}' is not a likert item")
        return self.scales[item.scale]

    def codes(self, item: Item) -> list[int]:
        """Valid numeric codes of a likert or choice item."""
        if item.type == ItemType.likert:
            return self.scale_of(item).points
        return [c.value for c in self.choices_of(item)]

    def labels(self, item: Item) -> dict[int, str]:
        """Code → label for a likert (anchored points) or choice item."""
        if item.type == ItemType.likert:
            return dict(self.scale_of(item).anchors)
        return {c.value: c.label for c in self.choices_of(item)}

    def choice_names(self) -> dict[str, dict[int, str]]:
        """Item id → {code: XLSForm choice name} for every single/multiple choice item."""
        return {
            i.id: {c.value: c.xls_name for c in self.choices_of(i)}
            for i in self.iter_items()
            if i.type in (ItemType.single_choice, ItemType.multiple_choice)
        }

    def relevant_xpath(self, item: Item) -> str | None:
        """The item's relevance condition as an XLSForm ``relevant`` expression."""
        if not item.relevant:
            return None
        return conditions.to_xpath(
            item.relevant, multiple=self.multiple_choice_ids, choice_names=self.choice_names()
        )

    @property
    def multiple_choice_ids(self) -> list[str]:
        return [i.id for i in self.iter_items() if i.type == ItemType.multiple_choice]

    @property
    def attention_items(self) -> list[Item]:
        return [i for i in self.iter_items() if i.attention_check is not None]


def load_instrument(path: str | Path) -> Instrument:
    """Load and validate a questionnaire YAML file.

    Raises
    ------
    InstrumentError
        With the file, line and key of the first problem.
    """
    path = Path(path)
    document = read_yaml(path, InstrumentError)
    kind = document.get("kind", "questionnaire") if isinstance(document, dict) else None
    if kind != "questionnaire":
        raise InstrumentError(f"this is a '{kind}' file, not a questionnaire", where=f"{path}:1")
    return validate_yaml(path, Instrument, InstrumentError, document=document)


def library_dir() -> Path:
    """Folder of the instrument library shipped with smekit."""
    return Path(str(resources.files("smekit.instruments")))


def library_path(name: str) -> Path:
    """Path of a library instrument by file stem (``s1_resilience_dt``) or file name."""
    stem = re.sub(r"\.ya?ml$", "", name)
    path = library_dir() / f"{stem}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in library_dir().glob("*.yaml")))
        raise InstrumentError(f"no library instrument '{name}'", fix=f"available: {known}")
    return path


def resolve_instrument(ref: str | Path, base: Path | None = None) -> Path:
    """Find an instrument given a path (absolute or relative to ``base``) or a library name."""
    p = Path(ref)
    candidates = [p] if p.is_absolute() else [(base or Path.cwd()) / p, p]
    for c in candidates:
        if c.exists():
            return c
    return library_path(str(ref))

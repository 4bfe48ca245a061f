"""spaCy preprocessing of interview segments for topic modelling and suggestions.

A blank English pipeline tokenises but has no lemmas; the lemmatizer in *lookup* mode reads its
table from ``spacy-lookups-data``, so lemmas come without a trained model. When a trained
English pipeline (``en_core_web_sm`` and the like) is installed it can be named instead and its
rule-based lemmas are used. Each segment becomes a lower-case string of content lemmas: no stop
words, punctuation, numbers, URLs, e-mail addresses or pseudonymisation placeholders
(``[PERSON_1]``), so names never become topic words.

References
----------
Honnibal, M., Montani, I., Van Landeghem, S. & Boyd, A. (2020). spaCy: Industrial-strength
Natural Language Processing in Python. doi:10.5281/zenodo.1212303
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PLACEHOLDER = re.compile(r"\[?\b[A-Z]+_\d+\b\]?")
"""Pseudonymisation placeholders such as ``[PERSON_1]`` or ``[ORG_2]``."""

EXTRA_STOP_WORDS = frozenset(
    {"yeah", "okay", "ok", "um", "uh", "er", "erm", "mm", "hmm", "like", "really", "thing"}
)
"""Spoken fillers dropped on top of spaCy's English stop words."""


@dataclass(frozen=True)
class Preprocessor:
    """A loaded spaCy pipeline and what it provides.

    Attributes
    ----------
    nlp
        The :class:`spacy.language.Language`.
    name
        ``blank:en+lookups`` or the trained pipeline's package name.
    lemmas
        ``lookup`` (spacy-lookups-data table) or ``rule`` (trained pipeline).
    min_length
        Shortest lemma kept, in characters.
    """

    nlp: Any
    name: str
    lemmas: str
    min_length: int = 3

    def to_dict(self) -> dict[str, str]:
        return {"pipeline": self.name, "lemmas": self.lemmas}

    def tokens(self, texts: Iterable[str], batch_size: int = 256) -> list[list[str]]:
        """Content lemmas of each text, lower case, in order.

        Examples
        --------
        >>> pre = load_preprocessor()
        >>> pre.tokens(["The suppliers were shipping parcels to [PERSON_1] in 2021."])
        [['supplier', 'ship', 'parcel']]
        """
        cleaned = [PLACEHOLDER.sub(" ", str(t)) for t in texts]
        out: list[list[str]] = []
        for doc in self.nlp.pipe(cleaned, batch_size=batch_size):
            words = []
            for tok in doc:
                if (
                    tok.is_stop
                    or tok.is_punct
                    or tok.is_space
                    or tok.like_num
                    or tok.like_url
                    or tok.like_email
                    or not tok.is_alpha
                ):
                    continue
                lemma = (tok.lemma_ or tok.text).lower()
                if len(lemma) < self.min_length or lemma in EXTRA_STOP_WORDS:
                    continue
                if lemma in self.nlp.Defaults.stop_words:
                    continue
                words.append(lemma)
            out.append(words)
        return out

    def documents(self, texts: Iterable[str]) -> list[str]:
        """Each text as one space-joined string of its content lemmas.

        Examples
        --------
        >>> load_preprocessor().documents(["Our suppliers were shipping the parcels."])
        ['supplier ship parcel']
        """
        return [" ".join(words) for words in self.tokens(texts)]


def load_preprocessor(model: str | None = None) -> Preprocessor:
    """Load the spaCy pipeline that preprocesses segments.

    Parameters
    ----------
    model
        ``None`` (default): a blank English pipeline with the lookup lemmatizer of
        ``spacy-lookups-data``. A package name or path of a trained pipeline
        (e.g. ``en_core_web_sm``) uses that pipeline's tagger-based lemmas; its parser and NER
        are disabled, since only lemmas are needed.

    Returns
    -------
    Preprocessor

    Raises
    ------
    ModelError
        When the named pipeline is not installed or the lookup tables are missing.

    Examples
    --------
    >>> load_preprocessor().to_dict()
    {'pipeline': 'blank:en+lookups', 'lemmas': 'lookup'}
    """
    import spacy

    from smekit.core.errors import ModelError

    if model is not None:
        try:
            nlp = spacy.load(model, disable=["parser", "ner"])
        except OSError as exc:
            raise ModelError(
                f"spaCy pipeline {model!r} is not installed",
                fix="install it (pip install PACKAGE) or leave the model unset for the blank "
                "English pipeline",
            ) from exc
        return Preprocessor(nlp=nlp, name=str(model), lemmas="rule")
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    try:
        nlp.initialize()
    except (ValueError, OSError) as exc:
        raise ModelError(
            "spaCy's lookup lemmatizer found no table",
            fix="install spacy-lookups-data (pip install spacy-lookups-data)",
        ) from exc
    return Preprocessor(nlp=nlp, name="blank:en+lookups", lemmas="lookup")


def installed_pipeline(candidates: Iterable[str] = ("en_core_web_sm", "en_core_web_md")) -> str:
    """The first trained English pipeline installed, or ``""`` when there is none.

    Examples
    --------
    >>> isinstance(installed_pipeline(), str)
    True
    """
    import spacy.util

    installed = set(spacy.util.get_installed_models())
    return next((c for c in candidates if c in installed), "")

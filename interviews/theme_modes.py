"""Codebook-derived inputs of the themes modes: k, theme texts, seed words, manual labels.

What :func:`smekit.interviews.themes.fit_themes` takes from the codebook and the codings for
its modes: the default number of topics, each theme's text (the zero-shot topics), its seed
words (guided mode's ``seed_topic_list``) and the theme of each manually coded segment
(semi-supervised mode's ``y`` and the reference for agreement).

References
----------
Grootendorst, M. (2022). BERTopic. arXiv:2203.05794.
Mardia, K. V., Kent, J. T. & Bibby, J. M. (1979). *Multivariate Analysis*. Academic Press.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from smekit.interviews.theme_model import _with_segment_ids

N_SEED_WORDS = 10


def default_k(n_segments: int, n_themes: int) -> int:
    """Number of topics when none is given: the codebook's themes, else sqrt(n/2) in 2..20.

    Examples
    --------
    >>> default_k(184, 5), default_k(10_000, 0), default_k(5, 0)
    (5, 20, 2)
    """
    if n_themes >= 2:
        return n_themes
    return int(min(20, max(2, round(math.sqrt(n_segments / 2)))))


def theme_texts(codebook: Any) -> dict[str, str]:
    """Theme id → the text describing it: its and its child codes' wording.

    Name, definition, inclusion criteria, example and keywords of the theme and of every code
    under it (exclusion criteria are left out: they describe other themes).
    """
    out: dict[str, str] = {}
    for theme in codebook.themes():
        parts: list[str] = []
        for code in codebook.codes:
            if codebook.theme_of(code.id) == theme.id:
                parts += [code.name, code.definition, *code.include, code.example]
                parts += list(getattr(code, "keywords", []) or [])
        out[theme.id] = " ".join(parts)
    return out


def theme_keywords(codebook: Any, pre: Any, n: int = N_SEED_WORDS) -> dict[str, list[str]]:
    """Theme id → seed words: the codebook's keywords, then the theme text's top TF-IDF lemmas.

    Each theme's text (:func:`theme_texts`) is one document; terms are ranked by TF-IDF weight
    across the themes (ties alphabetically), so words shared by every theme rank low.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = theme_texts(codebook)
    ids = list(texts)
    docs = pre.documents([texts[i] for i in ids])
    vec = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True)
    weights = vec.fit_transform(docs).toarray()
    vocab = np.asarray(vec.get_feature_names_out())
    out: dict[str, list[str]] = {}
    for j, theme in enumerate(ids):
        words: list[str] = []
        for code in codebook.codes:
            if codebook.theme_of(code.id) == theme:
                for kw in getattr(code, "keywords", []) or []:
                    words += [w for w in pre.documents([kw])[0].split() if w not in words]
        order = sorted(range(len(vocab)), key=lambda i: (-weights[j, i], vocab[i]))
        for i in order:
            if len(words) >= n or weights[j, i] <= 0:
                break
            if vocab[i] not in words:
                words.append(str(vocab[i]))
        out[theme] = words[:n]
    return out


def segment_themes(codings: pd.DataFrame, codebook: Any, segments: pd.DataFrame) -> pd.Series:
    """Segment id → the theme of its manual codes (majority over codings and coders).

    A coding's code is mapped to its top-level theme; a coding without a ``segment_id`` is
    placed in the segment of its transcript whose span contains its start. Ties go to the
    theme that comes first in the codebook.
    """
    if codings is None or len(codings) == 0:
        return pd.Series(dtype=object, name="theme")
    order = {t.id: i for i, t in enumerate(codebook.themes())}
    known = set(codebook.ids)
    c = codings.loc[codings["code"].isin(known)].copy()
    c["theme"] = [codebook.theme_of(x) for x in c["code"]]
    c = _with_segment_ids(c, segments)
    c = c.dropna(subset=["segment_id"])
    counts = c.groupby(["segment_id", "theme"]).size().reset_index(name="n")
    counts["order"] = counts["theme"].map(order)
    counts = counts.sort_values(["segment_id", "n", "order"], ascending=[True, False, True])
    best = counts.drop_duplicates("segment_id")
    return pd.Series(best["theme"].to_numpy(), index=best["segment_id"].to_numpy(), name="theme")

"""Code suggestions for segments: keyword and regex rules, and embedding similarity.

Suggestions are a table for the researcher to review, never codings: a suggestion becomes a
coding only through :func:`accept_suggestions`, with the accepting coder's name on it.

Suggesters
----------
``keyword``
    A code's keywords (the codebook's ``keywords`` plus any given in ``rules``), matched on
    spaCy lemmas, so "suppliers" matches "supplier". Score: share of the code's keywords found.
``regex``
    Regular expressions per code (case-insensitive) on the raw text. Score 1.
``embedding``
    Cosine similarity between the segment and the code's definition text (name, definition,
    inclusion criteria, example) in a shared embedding space (TF-IDF + SVD by default, see
    :mod:`smekit.interviews.embeddings`); suggested when it reaches ``threshold``, at most
    ``top_n`` codes per segment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from smekit.core.errors import DataError

SUGGESTION_COLUMNS = ["segment_id", "code", "score", "suggester", "rationale"]
CODING_COLUMNS = ["segment_id", "transcript_id", "start", "end", "code", "coder", "memo"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)
    out["score"] = out["score"].astype(float)
    return out.sort_values(
        ["segment_id", "score", "code"], ascending=[True, False, True]
    ).reset_index(drop=True)


def code_text(code: Any) -> str:
    """The words describing a code: name, definition, inclusion criteria, example."""
    return " ".join([code.name, code.definition, *code.include, code.example])


def keyword_suggestions(
    segments: pd.DataFrame,
    codebook: Any,
    preprocessor: Any,
    rules: Mapping[str, Iterable[str]] | None = None,
    min_hits: int = 1,
) -> pd.DataFrame:
    """Suggest a code where a segment contains its keywords (matched on lemmas).

    Parameters
    ----------
    segments
        Segments frame (``segment_id``, ``text``).
    codebook
        Codebook; each code's ``keywords`` are used.
    preprocessor
        :class:`~smekit.interviews.preprocess.Preprocessor`.
    rules
        Extra keywords per code id.
    min_hits
        Fewest distinct keywords a segment must contain.

    Returns
    -------
    DataFrame
        segment_id, code, score (share of the code's keywords found), suggester ``keyword``,
        rationale (the keywords found).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> from smekit.interviews.preprocess import load_preprocessor
    >>> cb = NS(codes=[NS(id="sourcing", keywords=["supplier", "factory"])])
    >>> seg = pd.DataFrame({"segment_id": ["P1:0001"], "text": ["We added two suppliers."]})
    >>> out = keyword_suggestions(seg, cb, load_preprocessor())
    >>> out.loc[0, ["segment_id", "code", "rationale"]].tolist(), float(out.loc[0, "score"])
    (['P1:0001', 'sourcing', 'keywords: supplier'], 0.5)
    """
    words: dict[str, list[str]] = {}
    for code in codebook.codes:
        given = list(getattr(code, "keywords", []) or []) + list((rules or {}).get(code.id, []))
        lemmas = [" ".join(preprocessor.tokens([k])[0]) for k in given]
        words[code.id] = sorted({w for w in lemmas if w})
    unknown = sorted(set(rules or {}) - set(words))
    if unknown:
        raise DataError(f"keyword rules for codes not in the codebook: {unknown}")
    docs = preprocessor.tokens(segments["text"].fillna("").astype(str).tolist())
    rows = []
    for sid, tokens in zip(segments["segment_id"].astype(str), docs, strict=True):
        joined = f" {' '.join(tokens)} "
        for code, kws in words.items():
            if not kws:
                continue
            found = [w for w in kws if f" {w} " in joined]
            if len(found) >= min_hits:
                rows.append(
                    {
                        "segment_id": sid,
                        "code": code,
                        "score": round(len(found) / len(kws), 6),
                        "suggester": "keyword",
                        "rationale": "keywords: " + ", ".join(found),
                    }
                )
    return _frame(rows)


def regex_suggestions(
    segments: pd.DataFrame, patterns: Mapping[str, Iterable[str]]
) -> pd.DataFrame:
    """Suggest a code where one of its regular expressions matches the text (case-insensitive).

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["P1:0001"], "text": ["We opened a Shopify store."]})
    >>> out = regex_suggestions(seg, {"scd_channels": [r"shopify|web ?shop"]})
    >>> out.loc[0, ["code", "suggester", "rationale"]].tolist()
    ['scd_channels', 'regex', "pattern 'shopify|web ?shop' matched 'Shopify'"]
    """
    compiled = {}
    for code, pats in patterns.items():
        for p in pats:
            try:
                compiled.setdefault(code, []).append(re.compile(p, re.IGNORECASE))
            except re.error as exc:
                raise DataError(f"regex {p!r} for code {code!r} is invalid: {exc}") from None
    rows = []
    for sid, text in zip(
        segments["segment_id"].astype(str), segments["text"].fillna(""), strict=True
    ):
        for code, pats in compiled.items():
            for p in pats:
                m = p.search(str(text))
                if m:
                    rows.append(
                        {
                            "segment_id": sid,
                            "code": code,
                            "score": 1.0,
                            "suggester": "regex",
                            "rationale": f"pattern {p.pattern!r} matched {m.group(0)!r}",
                        }
                    )
                    break
    return _frame(rows)


def embedding_suggestions(
    segments: pd.DataFrame,
    codebook: Any,
    preprocessor: Any,
    threshold: float = 0.3,
    top_n: int = 2,
    seed: int = 0,
    model: Any = None,
) -> pd.DataFrame:
    """Suggest the codes whose definitions a segment is most similar to.

    Parameters
    ----------
    threshold
        Smallest cosine similarity suggested.
    top_n
        Most codes suggested per segment.
    model
        A sentence-transformers model; default: TF-IDF + SVD fitted on the segments and the
        code texts together (seeded by ``seed``).

    Returns
    -------
    DataFrame
        segment_id, code, score (cosine similarity), suggester ``embedding``, rationale.
    """
    from smekit.interviews.embeddings import encode, tfidf_svd

    codes = list(codebook.codes)
    ctexts = [code_text(c) for c in codes]
    seg = segments.sort_values("segment_id", kind="mergesort")
    texts = seg["text"].fillna("").astype(str).tolist()
    if model is None:
        docs, cdocs = preprocessor.documents(texts), preprocessor.documents(ctexts)
        pipe = tfidf_svd(docs + cdocs, seed)
        E, C = encode(pipe, docs), encode(pipe, cdocs)
        space = "TF-IDF + SVD"
    else:
        E, C = encode(model, texts), encode(model, ctexts)
        space = "sentence embedding"
    sim = E @ C.T
    rows = []
    for i, sid in enumerate(seg["segment_id"].astype(str)):
        order = sorted(range(len(codes)), key=lambda j: (-sim[i, j], codes[j].id))[:top_n]
        for j in order:
            if sim[i, j] >= threshold and np.isfinite(sim[i, j]):
                rows.append(
                    {
                        "segment_id": sid,
                        "code": codes[j].id,
                        "score": round(float(sim[i, j]), 6),
                        "suggester": "embedding",
                        "rationale": f"cosine {sim[i, j]:.2f} to the definition of "
                        f"'{codes[j].name}' ({space})",
                    }
                )
    return _frame(rows)


def suggest(
    segments: pd.DataFrame,
    codebook: Any,
    preprocessor: Any,
    *,
    keywords: Mapping[str, Iterable[str]] | None = None,
    patterns: Mapping[str, Iterable[str]] | None = None,
    embedding_threshold: float | None = 0.3,
    top_n: int = 2,
    seed: int = 0,
    roles: tuple[str, ...] = ("participant",),
) -> pd.DataFrame:
    """All suggestions for the participant turns: keyword, regex and embedding suggesters.

    ``embedding_threshold=None`` switches the embedding suggester off. One row per
    (segment, code, suggester); the researcher reviews them and accepts some with
    :func:`accept_suggestions`.
    """
    seg = segments
    if "role" in seg.columns and roles:
        seg = seg.loc[seg["role"].isin(roles)]
    parts = [keyword_suggestions(seg, codebook, preprocessor, keywords)]
    if patterns:
        parts.append(regex_suggestions(seg, patterns))
    if embedding_threshold is not None and len(seg) >= 3:
        parts.append(
            embedding_suggestions(seg, codebook, preprocessor, embedding_threshold, top_n, seed)
        )
    return _frame([r for p in parts for r in p.to_dict(orient="records")])


def accept_suggestions(
    suggestions: pd.DataFrame,
    segments: pd.DataFrame,
    accept: pd.Series | Iterable[int] | Iterable[tuple[str, str]],
    coder: str,
    codings: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Turn the accepted suggestions into segment-level codings by ``coder``.

    Parameters
    ----------
    suggestions
        From :func:`suggest` (or any of the suggesters).
    segments
        Segments frame (gives transcript id and character span of each segment).
    accept
        Which suggestions: a boolean Series aligned with ``suggestions``, row positions, or
        ``(segment_id, code)`` pairs.
    coder
        Who accepted them (the coder column of the new codings).
    codings
        Existing codings; the new ones are appended, duplicates of an existing (segment, code,
        coder) coding are not added twice.

    Returns
    -------
    DataFrame
        The codings frame (existing rows first), memo ``accepted <suggester> suggestion
        (score ...)``.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["P1:0001"], "transcript_id": ["P1"],
    ...                     "char_start": [10], "char_end": [40]})
    >>> sug = pd.DataFrame({"segment_id": ["P1:0001"], "code": ["scd_sourcing"], "score": [0.5],
    ...                     "suggester": ["keyword"], "rationale": ["keywords: supplier"]})
    >>> new = accept_suggestions(sug, seg, [0], coder="A")
    >>> new[["segment_id", "start", "end", "code"]].values.tolist()
    [['P1:0001', 10, 40, 'scd_sourcing']]
    """
    if not coder:
        raise DataError("accepting suggestions needs the coder's name")
    if isinstance(accept, pd.Series) and accept.dtype == bool:
        chosen = suggestions.loc[accept.reindex(suggestions.index, fill_value=False)]
    else:
        items = list(accept)
        if items and isinstance(items[0], tuple):
            pairs = pd.DataFrame(items, columns=["segment_id", "code"])
            chosen = suggestions.merge(pairs, on=["segment_id", "code"])
            missing = len(pairs) - len(chosen.drop_duplicates(["segment_id", "code"]))
            if missing:
                raise DataError(f"{missing} accepted (segment, code) pair(s) are not suggestions")
        else:
            chosen = suggestions.iloc[list(items)]
    chosen = chosen.sort_values("score", ascending=False).drop_duplicates(["segment_id", "code"])
    spans = segments.set_index(segments["segment_id"].astype(str))
    unknown = sorted(set(chosen["segment_id"]) - set(spans.index))
    if unknown:
        raise DataError(
            f"suggestions name segments that are not in the segments frame: {unknown[:5]}"
        )
    new = pd.DataFrame(
        {
            "segment_id": chosen["segment_id"].to_numpy(),
            "transcript_id": spans.loc[chosen["segment_id"], "transcript_id"].to_numpy(),
            "start": spans.loc[chosen["segment_id"], "char_start"].astype("int64").to_numpy(),
            "end": spans.loc[chosen["segment_id"], "char_end"].astype("int64").to_numpy(),
            "code": chosen["code"].to_numpy(),
            "coder": coder,
            "memo": [
                f"accepted {s} suggestion (score {v:.2f})"
                for s, v in zip(chosen["suggester"], chosen["score"], strict=True)
            ],
        },
        columns=CODING_COLUMNS,
    )
    new = new.sort_values(["segment_id", "code"], kind="mergesort").reset_index(drop=True)
    if codings is not None and len(codings):
        have = set(zip(codings["segment_id"], codings["code"], codings["coder"], strict=True))
        keep = [
            (s, c, coder) not in have for s, c in zip(new["segment_id"], new["code"], strict=True)
        ]
        new = pd.concat([codings, new.loc[keep]], ignore_index=True)
    return new

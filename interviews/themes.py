"""Thematic clustering of interview segments with BERTopic: topics, words, quotes, agreement.

Pipeline (each part swappable, see :mod:`smekit.interviews.topic_model`):

1. keep participant turns with at least ``min_words`` content lemmas (the rest are listed in
   :attr:`ThemeModel.excluded` with the reason), **sorted by segment id** so that row order
   never changes a result;
2. spaCy lemmas (:mod:`smekit.interviews.preprocess`);
3. embeddings: TF-IDF + SVD (default) or sentence-transformers (:mod:`.embeddings`);
4. BERTopic: PCA + k-means (default) or UMAP + HDBSCAN with outliers reassigned;
5. c-TF-IDF topic words, representative segments (highest cosine similarity to the topic's
   mean embedding), the codebook theme nearest each topic, a topic x code overlap matrix and
   agreement with the manual codes (adjusted Rand index, normalised mutual information).

Modes
-----
``unsupervised``
    Inductive: no codebook input.
``guided``
    The codebook's keywords as BERTopic's ``seed_topic_list``: segments nearest a seed topic are
    nudged towards it and k-means starts from those groups' means; the seeds only nudge.
``zeroshot``
    Each codebook theme's text (name, definition, inclusion criteria, example, keywords, and
    those of its child codes) is a zero-shot topic; a segment whose cosine similarity to one
    reaches ``zeroshot_threshold`` is assigned to it, the rest are clustered.
``semisupervised``
    The researcher's manual codes (the theme of each coded segment) as BERTopic's ``y``:
    linear discriminant reduction and k-means seeded from the coded segments.

``k`` defaults to the number of themes in the codebook, and without a codebook to
``round(sqrt(n / 2))`` clamped to 2..20 (the rule of thumb of Mardia, Kent & Bibby, 1979, p. 365).

References
----------
Grootendorst, M. (2022). BERTopic. arXiv:2203.05794.
Hubert, L. & Arabie, P. (1985). Comparing partitions. *Journal of Classification* 2, 193-218.
Strehl, A. & Ghosh, J. (2002). Cluster ensembles. *JMLR* 3, 583-617.
Braun, V. & Clarke, V. (2006). Using thematic analysis in psychology. *QRP* 3(2), 77-101.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smekit.core.errors import DataError, ModelError
from smekit.interviews.theme_model import (
    N_REPRESENTATIVES,
    ThemeModel,
    _assemble,
    label_agreement,
    overlap_matrix,
)
from smekit.interviews.theme_modes import (
    N_SEED_WORDS,
    default_k,
    segment_themes,
    theme_keywords,
    theme_texts,
)

__all__ = [
    "MIN_WORDS",
    "MODES",
    "N_REPRESENTATIVES",
    "N_SEED_WORDS",
    "ThemeModel",
    "default_k",
    "fit_themes",
    "label_agreement",
    "overlap_matrix",
    "segment_themes",
    "select_segments",
    "theme_keywords",
    "theme_texts",
]

MODES = ("unsupervised", "guided", "zeroshot", "semisupervised")
MIN_WORDS = 6
"""Segments with fewer content lemmas are not clustered (greetings, consent, 'yes, fine')."""


def select_segments(
    segments: pd.DataFrame, pre: Any, min_words: int = MIN_WORDS, roles: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    """Segments to cluster (sorted by segment id), their preprocessed text, and those left out.

    ``roles`` defaults to ``("participant",)`` when the frame has a ``role`` column with any
    participant turn, else every row is a candidate.
    """
    need = {"segment_id", "text"}
    missing = sorted(need - set(segments.columns))
    if missing:
        raise DataError(
            f"the segments frame has no column(s) {missing}",
            fix="pass a segments frame as written by `smekit interviews import -o`",
        )
    seg = segments.copy()
    seg["segment_id"] = seg["segment_id"].astype(str)
    dupes = seg["segment_id"][seg["segment_id"].duplicated()].unique().tolist()
    if dupes:
        raise DataError(f"segment ids used twice: {dupes[:5]}")
    seg = seg.sort_values("segment_id", kind="mergesort").reset_index(drop=True)
    if not roles:
        has_roles = "role" in seg.columns and (seg["role"] == "participant").any()
        roles = ("participant",) if has_roles else ()
    reasons = pd.Series("", index=seg.index, dtype=object)
    if roles:
        reasons[~seg["role"].isin(roles)] = "speaker role " + seg["role"].astype(str)
    docs = pre.documents(seg["text"].fillna("").astype(str).tolist())
    n_words = np.array([len(d.split()) for d in docs])
    short = (n_words < min_words) & (reasons == "")
    reasons[short] = [f"{n} content words (< {min_words})" for n in n_words[short]]
    keep = (reasons == "").to_numpy()
    excluded = pd.DataFrame(
        {"segment_id": seg.loc[~keep, "segment_id"].to_numpy(), "reason": reasons[~keep].tolist()}
    )
    kept = seg.loc[keep].reset_index(drop=True)
    return kept, [d for d, k in zip(docs, keep, strict=True) if k], excluded


def fit_themes(
    segments: pd.DataFrame,
    *,
    mode: str = "guided",
    k: int | None = None,
    codebook: Any = None,
    codings: pd.DataFrame | None = None,
    embedding: str = "tfidf",
    reduction: str = "pca",
    clustering: str = "kmeans",
    zeroshot_threshold: float = 0.3,
    seed: int = 0,
    min_words: int = MIN_WORDS,
    preprocessor: Any = None,
) -> ThemeModel:
    """Cluster interview segments into themes with BERTopic.

    Parameters
    ----------
    segments
        Segments frame (contract columns; at least ``segment_id`` and ``text``), pseudonymised.
    mode
        ``unsupervised``, ``guided``, ``zeroshot`` or ``semisupervised`` (module docstring).
    k
        Number of topics (clusters; in zero-shot mode zero-shot topics plus
        ``max(1, k - n_themes)`` clusters of the rest); ``None``: :func:`default_k`.
    codebook
        :class:`~smekit.interviews.codebook.Codebook`; needed by guided and zero-shot modes.
    codings
        Codings frame; needed by semi-supervised mode, and gives the overlap matrix and the
        agreement with the manual codes.
    embedding
        ``tfidf``, ``sentence-transformers`` (packaged all-MiniLM-L6-v2) or a model folder. When
        the sentence-transformers model is missing, TF-IDF is used and ``info["notes"]`` says so.
    reduction, clustering
        ``pca`` / ``umap``; ``kmeans`` / ``hdbscan``.
    zeroshot_threshold
        Minimum cosine similarity for a zero-shot assignment.
    seed
        Seed of the SVD, PCA or UMAP, and k-means.
    min_words
        Segments with fewer content lemmas are listed in ``excluded``, not clustered.
    preprocessor
        A :class:`~smekit.interviews.preprocess.Preprocessor` (default: blank English + lookups).

    Returns
    -------
    ThemeModel

    Examples
    --------
    >>> texts = (["cloud software system dashboard data automation tool"] * 4
    ...          + ["supplier factory warehouse carrier route shipping stock"] * 4)
    >>> seg = pd.DataFrame({"segment_id": [f"T:{i:04d}" for i in range(8)], "text": texts})
    >>> m = fit_themes(seg, mode="unsupervised", k=2, seed=0)
    >>> sorted(m.topics["size"].tolist())
    [4, 4]
    """
    from smekit.interviews import embeddings as emb
    from smekit.interviews import topic_model as tm
    from smekit.interviews.preprocess import load_preprocessor

    if mode not in MODES:
        raise ModelError(f"unknown themes mode {mode!r}", fix=f"use one of {', '.join(MODES)}")
    if mode in ("guided", "zeroshot") and codebook is None:
        raise ModelError(f"{mode} mode needs a codebook", fix="give the study's codebook")
    pre = preprocessor or load_preprocessor()
    notes: list[str] = []
    kept, docs, excluded = select_segments(segments, pre, min_words)
    n = len(kept)
    if n < 3:
        raise DataError(
            f"{n} segment(s) with at least {min_words} content words: too few to cluster"
        )
    themes = [t.id for t in codebook.themes()] if codebook is not None else []
    texts = theme_texts(codebook) if codebook is not None else {}
    labels = (
        segment_themes(codings, codebook, segments)
        if codings is not None and codebook is not None
        else pd.Series(dtype=object)
    )
    if mode == "semisupervised" and labels.reindex(kept["segment_id"]).notna().sum() == 0:
        raise ModelError(
            "semisupervised mode needs manual codes on the clustered segments",
            fix="give a codings table, or use guided or unsupervised mode",
        )
    k_used = int(k) if k is not None else default_k(n, len(themes))

    # Embeddings.
    embedding_used = "tfidf"
    if embedding != "tfidf":
        try:
            model = emb.sentence_transformer(embedding)
            embedding_used = embedding
        except ModelError as exc:
            notes.append(f"embedding {embedding!r} skipped: {exc.what}; TF-IDF + SVD used")
    if embedding_used == "tfidf":
        model = emb.tfidf_svd(docs + pre.documents([texts[t] for t in themes]), seed)
        theme_inputs = pre.documents([texts[t] for t in themes])
        E = emb.encode(model, docs)
    else:
        theme_inputs = [texts[t] for t in themes]
        E = emb.encode(model, kept["text"].astype(str).tolist())
    T = emb.encode(model, theme_inputs) if themes else np.zeros((0, E.shape[1]))

    # Mode-specific inputs.
    seed_words = theme_keywords(codebook, pre) if codebook is not None else {}
    seed_list = [seed_words[t] for t in themes] if mode == "guided" else None
    zs_list = theme_inputs if mode == "zeroshot" else None
    y = None
    if mode == "semisupervised":
        index = {t: i for i, t in enumerate(themes)}
        y = [index.get(v, -1) for v in labels.reindex(kept["segment_id"]).tolist()]
        y = [-1 if v is None else v for v in y]
    n_clusters = k_used
    zs_counts: dict[str, int] = {}
    if mode == "zeroshot":
        sim = E @ T.T
        passed = sim.max(axis=1) >= zeroshot_threshold
        hit = pd.Series(np.asarray(themes)[sim.argmax(axis=1)][passed]).value_counts()
        zs_counts = {t: int(hit.get(t, 0)) for t in themes}
        n_clusters = max(1, k_used - len(themes))
        if passed.all():
            n_clusters = 1
    red = tm.reduction_model(reduction, n, E.shape[1], seed, labelled=y is not None)
    clu = tm.clustering_model(clustering, n_clusters, n, seed)
    topic_model = tm.bertopic_model(
        model,
        red,
        clu,
        seed_topic_list=seed_list,
        zeroshot_topic_list=zs_list,
        zeroshot_min_similarity=zeroshot_threshold,
    )
    topics, _ = topic_model.fit_transform(docs, embeddings=E.copy(), y=y)
    topics = [int(t) for t in topics]
    n_outliers = sum(t == -1 for t in topics)
    if n_outliers:
        topics = [
            int(t)
            for t in topic_model.reduce_outliers(
                docs, topics, strategy="embeddings", embeddings=E.copy()
            )
        ]
        topic_model.update_topics(docs, topics=topics)
        notes.append(f"{n_outliers} HDBSCAN outlier segment(s) reassigned to the nearest topic")
    import bertopic

    info = {
        "mode": mode,
        "k": k_used,
        "n_clusters": n_clusters,
        "embedding": embedding_used,
        "reduction": reduction,
        "clustering": clustering,
        "seed": int(seed),
        "min_words": int(min_words),
        "preprocessing": pre.to_dict(),
        "bertopic": bertopic.__version__,
        "n_outliers_reassigned": int(n_outliers),
        "notes": notes,
    }
    if mode == "guided":
        info["seed_topic_list"] = dict(zip(themes, seed_list or [], strict=True))
    if mode == "zeroshot":
        info["zeroshot_threshold"] = float(zeroshot_threshold)
        info["zeroshot_assigned"] = zs_counts
        info["zeroshot_unassigned"] = int(n - sum(zs_counts.values()))
    return _assemble(
        kept,
        docs,
        E,
        T,
        themes,
        topics,
        topic_model,
        excluded,
        info,
        mode,
        zeroshot_threshold,
        codings,
        segments,
        codebook,
        labels,
    )

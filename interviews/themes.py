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

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smekit.core.errors import DataError, ModelError

MODES = ("unsupervised", "guided", "zeroshot", "semisupervised")
MIN_WORDS = 6
"""Segments with fewer content lemmas are not clustered (greetings, consent, 'yes, fine')."""
N_REPRESENTATIVES = 3
N_SEED_WORDS = 10


@dataclass(frozen=True)
class ThemeModel:
    """A fitted thematic clustering.

    Attributes
    ----------
    assignments
        One row per clustered segment: segment_id, transcript_id, participant_id, topic, label,
        theme (codebook theme nearest the topic, or ``None``), similarity (cosine to the
        topic's mean embedding), zeroshot (assigned by the zero-shot step), text.
    topics
        topic, label, size, n_participants, keywords, theme, theme_similarity, source
        (``cluster`` or ``zeroshot``).
    terms
        topic, rank, term, weight (c-TF-IDF).
    representatives
        topic, rank, segment_id, participant_id, similarity, text.
    excluded
        segment_id, reason: segments not clustered.
    overlap
        Topics x codes: number of segments of a topic coded with a code (empty without
        codings).
    agreement
        ``{"manual": {"ari", "nmi", "n"}}`` when manual codes exist.
    info
        Settings and what ran: mode, k, embedding, reduction, clustering, seed, preprocessing,
        zeroshot threshold and counts, outliers reassigned, notes on what was skipped.
    """

    assignments: pd.DataFrame
    topics: pd.DataFrame
    terms: pd.DataFrame
    representatives: pd.DataFrame
    excluded: pd.DataFrame
    overlap: pd.DataFrame = field(default_factory=pd.DataFrame)
    agreement: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The assignments (one row per clustered segment)."""
        return self.assignments.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: info, agreement, topics with words and representatives."""
        topics = []
        for row in self.topics.itertuples(index=False):
            reps = self.representatives[self.representatives["topic"] == row.topic]
            topics.append(
                {
                    "topic": int(row.topic),
                    "label": row.label,
                    "size": int(row.size),
                    "n_participants": int(row.n_participants),
                    "keywords": row.keywords.split(", ") if row.keywords else [],
                    "theme": row.theme,
                    "theme_similarity": _num(row.theme_similarity),
                    "source": row.source,
                    "representatives": reps["segment_id"].tolist(),
                }
            )
        return {
            "info": self.info,
            "agreement": self.agreement,
            "topics": topics,
            "n_segments": len(self.assignments),
            "n_excluded": len(self.excluded),
        }


def _num(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


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


def _with_segment_ids(codings: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    c = codings.copy()
    if "segment_id" not in c.columns:
        c["segment_id"] = None
    missing = c["segment_id"].isna()
    if missing.any():
        spans = segments[["segment_id", "transcript_id", "char_start", "char_end"]]
        for idx in c.index[missing]:
            s = spans[
                (spans["transcript_id"] == c.at[idx, "transcript_id"])
                & (spans["char_start"] <= c.at[idx, "start"])
                & (spans["char_end"] > c.at[idx, "start"])
            ]
            if len(s):
                c.at[idx, "segment_id"] = s["segment_id"].iloc[0]
    return c


def label_agreement(topics: pd.Series, labels: pd.Series) -> dict[str, Any]:
    """Adjusted Rand index and NMI between topics and reference labels on their shared segments.

    ARI (Hubert & Arabie, 1985) is 0 for chance and 1 for identical partitions; NMI (Strehl &
    Ghosh, 2002; arithmetic normalisation, scikit-learn's default) is in [0, 1].

    Parameters
    ----------
    topics, labels
        Indexed by segment id.

    Examples
    --------
    >>> t = pd.Series([0, 0, 1, 1], index=list("abcd"))
    >>> label_agreement(t, pd.Series(["x", "x", "y", "y"], index=list("abcd")))
    {'ari': 1.0, 'nmi': 1.0, 'n': 4}
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    shared = topics.index.intersection(labels.dropna().index)
    if len(shared) < 2:
        return {"ari": None, "nmi": None, "n": len(shared)}
    a = topics.loc[shared].astype(str).to_numpy()
    b = labels.loc[shared].astype(str).to_numpy()
    return {
        "ari": round(float(adjusted_rand_score(b, a)), 6),
        "nmi": round(float(normalized_mutual_info_score(b, a)), 6),
        "n": len(shared),
    }


def overlap_matrix(
    assignments: pd.DataFrame, codings: pd.DataFrame, segments: pd.DataFrame, codebook: Any
) -> pd.DataFrame:
    """Topics x codes: how many segments of each topic carry each code (any coder).

    Examples
    --------
    >>> a = pd.DataFrame({"segment_id": ["s1", "s2"], "topic": [0, 1]})
    >>> c = pd.DataFrame({"segment_id": ["s1", "s1", "s2"], "code": ["x", "x", "y"]})
    >>> overlap_matrix(a, c, a, None).to_dict()
    {'x': {0: 1, 1: 0}, 'y': {0: 0, 1: 1}}
    """
    if codings is None or len(codings) == 0:
        return pd.DataFrame()
    c = _with_segment_ids(codings, segments) if "char_start" in segments.columns else codings
    pairs = c[["segment_id", "code"]].dropna().drop_duplicates()
    merged = pairs.merge(assignments[["segment_id", "topic"]], on="segment_id")
    table = pd.crosstab(merged["topic"], merged["code"])
    topics = sorted(assignments["topic"].unique().tolist())
    codes = list(table.columns)
    if codebook is not None:
        rank = {cid: i for i, cid in enumerate(codebook.ids)}
        codes = sorted(codes, key=lambda x: (rank.get(x, len(rank)), x))
    table = table.reindex(index=topics, columns=codes, fill_value=0).astype("int64")
    table.index.name, table.columns.name = "topic", None
    return table


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


def _assemble(
    kept: pd.DataFrame,
    docs: list[str],
    E: np.ndarray,
    T: np.ndarray,
    themes: list[str],
    topics: list[int],
    topic_model: Any,
    excluded: pd.DataFrame,
    info: dict[str, Any],
    mode: str,
    threshold: float,
    codings: pd.DataFrame | None,
    segments: pd.DataFrame,
    codebook: Any,
    labels: pd.Series,
) -> ThemeModel:
    topic_arr = np.asarray(topics)
    ids = sorted(set(topics))
    words = {t: [(str(w), float(s)) for w, s in (topic_model.get_topic(t) or []) if w] for t in ids}
    centroids = {}
    for t in ids:
        c = E[topic_arr == t].mean(axis=0)
        norm = np.linalg.norm(c)
        centroids[t] = c / norm if norm > 0 else c
    similarity = np.array([float(E[i] @ centroids[t]) for i, t in enumerate(topics)])
    zs_passed = (E @ T.T).max(axis=1) >= threshold if mode == "zeroshot" else np.zeros(len(E), bool)
    topic_theme: dict[int, tuple[str | None, float]] = {}
    for t in ids:
        if len(themes):
            s = T @ centroids[t]
            j = int(np.argmax(s))
            topic_theme[t] = (themes[j], round(float(s[j]), 6))
        else:
            topic_theme[t] = (None, float("nan"))
    label = {t: ", ".join(w for w, _ in words[t][:3]) for t in ids}
    pid = (
        kept["participant_id"]
        if "participant_id" in kept.columns
        else pd.Series([None] * len(kept))
    )
    tid = (
        kept["transcript_id"] if "transcript_id" in kept.columns else pd.Series([None] * len(kept))
    )
    assignments = pd.DataFrame(
        {
            "segment_id": kept["segment_id"].to_numpy(),
            "transcript_id": tid.to_numpy(),
            "participant_id": pid.to_numpy(),
            "topic": topic_arr.astype("int64"),
            "label": [label[t] for t in topics],
            "theme": [topic_theme[t][0] for t in topics],
            "similarity": np.round(similarity, 6),
            "zeroshot": zs_passed,
            "text": kept["text"].astype(str).to_numpy(),
        }
    )
    topic_rows, term_rows, rep_rows = [], [], []
    for t in ids:
        part = assignments[assignments["topic"] == t]
        zs_share = bool(part["zeroshot"].all()) if mode == "zeroshot" else False
        topic_rows.append(
            {
                "topic": t,
                "label": label[t],
                "size": len(part),
                "n_participants": int(part["participant_id"].nunique()),
                "keywords": ", ".join(w for w, _ in words[t]),
                "theme": topic_theme[t][0],
                "theme_similarity": topic_theme[t][1],
                "source": "zeroshot" if zs_share else "cluster",
            }
        )
        term_rows += [
            {"topic": t, "rank": r, "term": w, "weight": round(s, 6)}
            for r, (w, s) in enumerate(words[t], start=1)
        ]
        best = part.sort_values(["similarity", "segment_id"], ascending=[False, True])
        for r, row in enumerate(best.head(N_REPRESENTATIVES).itertuples(index=False), start=1):
            rep_rows.append(
                {
                    "topic": t,
                    "rank": r,
                    "segment_id": row.segment_id,
                    "participant_id": row.participant_id,
                    "similarity": row.similarity,
                    "text": row.text,
                }
            )
    overlap = overlap_matrix(assignments, codings, segments, codebook)
    agreement = {}
    if len(labels):
        agreement["manual"] = label_agreement(assignments.set_index("segment_id")["topic"], labels)
    return ThemeModel(
        assignments=assignments,
        topics=pd.DataFrame(topic_rows),
        terms=pd.DataFrame(term_rows, columns=["topic", "rank", "term", "weight"]),
        representatives=pd.DataFrame(
            rep_rows,
            columns=["topic", "rank", "segment_id", "participant_id", "similarity", "text"],
        ),
        excluded=excluded,
        overlap=overlap,
        agreement=agreement,
        info=info,
    )

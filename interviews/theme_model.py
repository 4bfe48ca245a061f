"""The result of a thematic clustering and how it is scored against the manual codes.

:class:`ThemeModel` holds what :func:`smekit.interviews.themes.fit_themes` found; the functions
here build it from a fitted BERTopic model and compare its topics with the manual codes: a
topic x code overlap matrix and agreement with the codes' themes (adjusted Rand index,
normalised mutual information).

References
----------
Hubert, L. & Arabie, P. (1985). Comparing partitions. *Journal of Classification* 2, 193-218.
Strehl, A. & Ghosh, J. (2002). Cluster ensembles. *JMLR* 3, 583-617.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

N_REPRESENTATIVES = 3


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

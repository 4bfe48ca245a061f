"""The swappable parts handed to BERTopic: reduction and clustering, and the model itself.

BERTopic (Grootendorst, 2022) is a pipeline of embedding → dimension reduction → clustering →
c-TF-IDF topic words. smekit's defaults keep it deterministic and offline: PCA for the
reduction and k-means for the clustering (every segment gets a topic: no ``-1`` outliers).
UMAP (``random_state`` set) and HDBSCAN are the options, with outliers reassigned to the
nearest topic by BERTopic's ``reduce_outliers(strategy="embeddings")``.

Two small estimators make k-means use the labels BERTopic passes along (``y``): guided mode's
seed-topic labels and semi-supervised mode's manual codes.

* :class:`LabelledKMeans` starts k-means from the mean of each labelled class (Basu, Banerjee &
  Mooney, 2002, "seeded k-means"), the remaining centres by farthest-first traversal.
* :class:`LabelledReduction` fits linear discriminant analysis on the labelled rows (Fisher,
  1936) and projects every row, PCA when fewer than two classes are labelled.

References
----------
Grootendorst, M. (2022). BERTopic: Neural topic modeling with a class-based TF-IDF procedure.
arXiv:2203.05794.
Basu, S., Banerjee, A. & Mooney, R. (2002). Semi-supervised clustering by seeding. *ICML*.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin


def _labels(y: Any, n: int) -> np.ndarray:
    if y is None:
        return np.full(n, -1, dtype=np.int64)
    return np.asarray(y, dtype=np.int64)


class LabelledKMeans(ClusterMixin, BaseEstimator):
    """k-means whose centres start at the means of the labelled classes.

    Parameters
    ----------
    n_clusters
        Number of clusters (at most the number of rows).
    random_state
        Seed of k-means++ when no row is labelled.
    n_init
        Restarts of k-means++ when no row is labelled.

    Examples
    --------
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1], [9.0], [9.2]])
    >>> LabelledKMeans(3, random_state=0).fit(X, y=[0, -1, 1, -1, 2, -1]).labels_.tolist()
    [0, 0, 1, 1, 2, 2]
    """

    def __init__(self, n_clusters: int = 5, random_state: int = 0, n_init: int = 10):
        self.n_clusters = n_clusters
        self.random_state = random_state
        self.n_init = n_init

    def fit(self, X: np.ndarray, y: Any = None) -> LabelledKMeans:
        from sklearn.cluster import KMeans

        X = np.asarray(X, dtype=np.float64)
        k = max(1, min(self.n_clusters, len(X)))
        labels = _labels(y, len(X))
        classes = sorted(c for c in set(labels.tolist()) if c >= 0)
        if classes:
            centres = [X[labels == c].mean(axis=0) for c in classes][:k]
            while len(centres) < k:
                dist = np.min(
                    np.linalg.norm(X[:, None, :] - np.asarray(centres)[None], axis=2), axis=1
                )
                centres.append(X[int(np.argmax(dist))])
            km = KMeans(n_clusters=k, init=np.asarray(centres), n_init=1)
        else:
            km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state)
        km.fit(X)
        self.kmeans_ = km
        self.labels_ = km.labels_.astype(np.int64)
        self.cluster_centers_ = km.cluster_centers_
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.kmeans_.predict(np.asarray(X, dtype=np.float64))


class LabelledReduction(TransformerMixin, BaseEstimator):
    """Linear discriminant projection fitted on the labelled rows (PCA without labels).

    Parameters
    ----------
    n_components
        Upper bound on the output dimension (LDA gives at most ``n_classes - 1``).
    random_state
        Seed of the PCA fallback.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (10, 4)), rng.normal(3, 1, (10, 4))])
    >>> y = [0] * 5 + [-1] * 5 + [1] * 5 + [-1] * 5
    >>> LabelledReduction(5).fit_transform(X, y).shape
    (20, 1)
    """

    def __init__(self, n_components: int = 5, random_state: int = 0):
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: Any = None) -> LabelledReduction:
        from sklearn.decomposition import PCA
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

        X = np.asarray(X, dtype=np.float64)
        labels = _labels(y, len(X))
        known = labels >= 0
        n_classes = len(set(labels[known].tolist()))
        if n_classes >= 2:
            dims = min(self.n_components, n_classes - 1, X.shape[1])
            self.model_ = LinearDiscriminantAnalysis(n_components=dims).fit(X[known], labels[known])
        else:
            dims = min(self.n_components, X.shape[0] - 1, X.shape[1])
            self.model_ = PCA(n_components=dims, random_state=self.random_state).fit(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.model_.transform(np.asarray(X, dtype=np.float64))


def reduction_model(kind: str, n_rows: int, n_dims: int, seed: int, labelled: bool) -> Any:
    """The dimension reduction step: ``pca`` (``LabelledReduction`` with labels) or ``umap``."""
    dims = max(1, min(5, n_rows - 2, n_dims))
    if kind == "umap":
        from umap import UMAP

        return UMAP(
            n_components=dims,
            n_neighbors=max(2, min(15, n_rows - 1)),
            min_dist=0.0,
            metric="cosine",
            random_state=seed,
        )
    if labelled:
        return LabelledReduction(n_components=dims, random_state=seed)
    from sklearn.decomposition import PCA

    return PCA(n_components=dims, random_state=seed)


def clustering_model(kind: str, k: int, n_rows: int, seed: int) -> Any:
    """The clustering step: ``kmeans`` (:class:`LabelledKMeans`) or ``hdbscan``."""
    if kind == "hdbscan":
        from hdbscan import HDBSCAN

        return HDBSCAN(
            min_cluster_size=max(2, min(10, n_rows // (4 * max(k, 1)))),
            metric="euclidean",
            cluster_selection_method="eom",
            prediction_data=True,
        )
    return LabelledKMeans(n_clusters=k, random_state=seed)


def bertopic_model(
    embedding_model: Any,
    reduction: Any,
    clustering: Any,
    seed_topic_list: list[list[str]] | None = None,
    zeroshot_topic_list: list[str] | None = None,
    zeroshot_min_similarity: float = 0.3,
    top_n_words: int = 10,
) -> Any:
    """A BERTopic model with smekit's parts (BERTopic is imported here, not before).

    The c-TF-IDF step counts unigrams and bigrams of the preprocessed text with
    ``reduce_frequent_words=True`` (square-root damped term frequency, Grootendorst 2022 §3.2).
    """
    from bertopic import BERTopic
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.feature_extraction.text import CountVectorizer

    return BERTopic(
        embedding_model=embedding_model,
        umap_model=reduction,
        hdbscan_model=clustering,
        vectorizer_model=CountVectorizer(ngram_range=(1, 2), token_pattern=r"\S+"),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        seed_topic_list=seed_topic_list,
        zeroshot_topic_list=zeroshot_topic_list,
        zeroshot_min_similarity=zeroshot_min_similarity,
        top_n_words=top_n_words,
        calculate_probabilities=False,
        verbose=False,
    )

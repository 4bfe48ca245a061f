"""``interviews: themes:`` sub-section of study.yaml (thematic clustering of the segments)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from smekit.study.base import Strict


class ThemesConfig(Strict):
    """``themes:`` — how the interview segments are clustered into themes.

    ``embedding`` is ``tfidf`` (TF-IDF + truncated SVD, deterministic and offline),
    ``sentence-transformers`` (the installed packaged MiniLM model) or a local model folder.
    ``k`` ``None`` means the number of themes in the codebook (or, without a codebook,
    ``round(sqrt(n_segments / 2))`` clamped to 2..20).
    """

    mode: Literal["unsupervised", "guided", "zeroshot", "semisupervised"] = "guided"
    k: int | None = Field(None, ge=2)
    embedding: str = Field(
        "tfidf", description="tfidf, sentence-transformers or a local model path"
    )
    reduction: Literal["pca", "umap"] = "pca"
    clustering: Literal["kmeans", "hdbscan"] = "kmeans"
    zeroshot_threshold: float = Field(0.3, ge=0.0, le=1.0)
    seed: int | None = None

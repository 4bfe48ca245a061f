"""``interviews:`` section of study.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from smekit.study.base import Strict as _Strict
from smekit.study.themes import ThemesConfig


class PseudonymiseConfig(_Strict):
    """``pseudonymise:`` — what is replaced and where the key goes.

    ``names``: a list of identifying strings (CSV ``type,value``, or one name per line), always
    replaced with the participant sheet's identifying columns. ``key``: where the key
    (placeholder → original) is written, relative to the study; never under ``results/``.
    ``ner``: use a trained spaCy pipeline when installed (``true``), a named pipeline, or not.
    ``keep``: words the pattern and NER sources leave alone (default: marketplaces, countries).
    """

    names: str | None = None
    key: str = "private/pseudonymisation_key.csv"
    patterns: bool = True
    ner: bool | str = True
    keep: list[str] | None = None


class AgreementConfig(_Strict):
    """``agreement:`` — the unit rule for intercoder agreement."""

    unit: Literal["segment", "character", "document"] = "segment"
    min_overlap: float = Field(0.0, ge=0.0, le=1.0)


class InterviewsConfig(_Strict):
    """``interviews:`` — protocol, codebook, participant sheet, transcripts and coding."""

    protocol: str | None = None
    codebook: str | None = None
    participants: str | None = None
    transcripts: str | None = None
    encoding: str | None = None
    speakers: dict[str, Literal["interviewer", "participant", "unknown"]] = Field(
        default_factory=dict, description="speaker label → role"
    )
    codings: list[str] = Field(
        default_factory=list, description="codings tables (CSV/Parquet) or .qdpx projects"
    )
    pseudonymise: PseudonymiseConfig = PseudonymiseConfig()
    agreement: AgreementConfig = AgreementConfig()
    themes: ThemesConfig = ThemesConfig()

"""``interviews:`` section of study.yaml."""

from __future__ import annotations

from smekit.study.base import Strict as _Strict


class InterviewsConfig(_Strict):
    """``interviews:`` — protocol, codebook, participant sheet and transcripts."""

    protocol: str | None = None
    codebook: str | None = None
    participants: str | None = None
    transcripts: str | None = None

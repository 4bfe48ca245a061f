"""Two coders' codings of the demo interviews, with the disagreement real coders show.

Coder 1 codes every participant turn that voices a theme with that theme (the truth the
transcripts were written from) and leaves a few memos. Coder 2 works from the same turns but
misses some (12 %), codes a different theme for some (7 %), adds a theme to a few turns that
voice none (5 % of them), and for a fifth of the multi-sentence turns codes from the second
sentence on (a partial span, which the character unit rule sees and the segment rule, with any
overlap, does not).

Positions are code points into the plain text smekit's transcript readers produce (one
``Speaker: text`` line per turn for every demo format), before pseudonymisation; the
``smekit analyze`` interview stage moves them into the pseudonymised text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smekit.demo.phrases import THEMES
from smekit.demo.transcripts import Transcript

COLUMNS = ["segment_id", "transcript_id", "start", "end", "code", "coder", "memo"]
CODERS = ("coder_1", "coder_2")
MISS, CONFUSE, EXTRA, PARTIAL = 0.12, 0.07, 0.05, 0.2
MEMOS = (
    "Clear instance; candidate quote for the theme table.",
    "Overlaps with another theme; coded by the main emphasis.",
    "Check with the second coder.",
)


def turn_spans(transcript: Transcript) -> list[tuple[int, int]]:
    """Code-point span of each turn's text in the ``Speaker: text`` plain text."""
    spans, pos = [], 0
    for t in transcript.turns:
        start = pos + len(t.speaker) + 2
        spans.append((start, start + len(t.text)))
        pos = start + len(t.text) + 1
    return spans


def _second_sentence(text: str) -> int | None:
    """Offset of the second sentence in a turn, if it has one."""
    for i, ch in enumerate(text[:-2]):
        if ch in ".?!" and text[i + 1] == " " and text[i + 2].isupper():
            return i + 2
    return None


def demo_codings(interviews: list[Transcript], rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Codings of coder 1 and coder 2 (coder → codings frame).

    Parameters
    ----------
    interviews
        From :func:`smekit.demo.transcripts.transcripts`.
    rng
        Random generator for coder 2's departures and the memos.
    """
    rows: dict[str, list[dict]] = {c: [] for c in CODERS}
    for tr in interviews:
        spans = turn_spans(tr)
        for k, (turn, (a, b)) in enumerate(zip(tr.turns, spans, strict=True)):
            if turn.speaker == "Interviewer":
                continue
            seg = f"{tr.participant_id}:{k:04d}"
            base = {"segment_id": seg, "transcript_id": tr.participant_id}
            if turn.theme is not None:
                memo = MEMOS[int(rng.integers(len(MEMOS)))] if rng.random() < 0.08 else None
                rows["coder_1"].append(
                    {
                        **base,
                        "start": a,
                        "end": b,
                        "code": turn.theme,
                        "coder": "coder_1",
                        "memo": memo,
                    }
                )
                u = rng.random(3)
                if u[0] < MISS:
                    continue
                code = turn.theme
                if u[1] < CONFUSE:
                    others = [t for t in THEMES if t != turn.theme]
                    code = others[int(rng.integers(len(others)))]
                start = a
                cut = _second_sentence(turn.text)
                if cut is not None and u[2] < PARTIAL:
                    start = a + cut
                rows["coder_2"].append(
                    {
                        **base,
                        "start": start,
                        "end": b,
                        "code": code,
                        "coder": "coder_2",
                        "memo": None,
                    }
                )
            elif len(turn.text.split()) > 8 and rng.random() < EXTRA:
                code = THEMES[1 + int(rng.integers(len(THEMES) - 1))]
                rows["coder_2"].append(
                    {**base, "start": a, "end": b, "code": code, "coder": "coder_2", "memo": None}
                )
    return {c: pd.DataFrame(r, columns=COLUMNS) for c, r in rows.items()}


def names_list(interviews: list[Transcript]) -> str:
    """The researcher's list of identifying strings (``type,value`` CSV) for pseudonymisation:
    every participant, colleague, firm and city named in the transcripts."""
    rows: list[tuple[str, str]] = []
    for t in interviews:
        rows.append(("person", t.name))
        if t.colleague:
            rows.append(("person", t.colleague))
        rows += [("org", t.firm), ("place", t.city)]
    seen: list[tuple[str, str]] = []
    for r in rows:
        if r not in seen:
            seen.append(r)
    return "type,value\n" + "".join(f"{k},{v}\n" for k, v in seen)

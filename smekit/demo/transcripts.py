"""Synthetic S1 interviews: 15 transcripts, a participant sheet and three file formats.

Each interview follows the three areas of the S1 protocol (pandemic
problems; resilience strategies; digital transformation and service to
customers abroad) and is built from the sentence bank in
:mod:`smekit.demo.phrases`. Which strategy themes a participant voices is
drawn at random (each theme by 11-13 of the 15 participants), and recorded
with the turn numbers that voice it. Participants' names, firm names and
cities appear in the text, so a pseudonymisation step has something to
remove.

Formats: P01-P05 WebVTT with voice tags, P06-P10 DOCX ("Speaker: text"
paragraphs, speaker in bold), P11-P15 UTF-8 plain text ("Speaker: text"
lines).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from smekit.core.docxio import docx_bytes
from smekit.demo import phrases

N_INTERVIEWS = 15
INTERVIEWER = "Interviewer"
FORMATS = ("vtt",) * 5 + ("docx",) * 5 + ("txt",) * 5
THEME_VOICED_RANGE = (11, 13)
FIRST_INTERVIEW = date(2024, 1, 8)
SPEECH_WORDS_PER_SEC = 2.6


@dataclass(frozen=True)
class Turn:
    """One speaker turn: who speaks, what they say, the theme it voices (if any), cue times."""

    speaker: str
    text: str
    theme: str | None
    start: float
    end: float


@dataclass(frozen=True)
class Transcript:
    """One synthetic interview.

    Attributes
    ----------
    participant_id
        ``P01`` .. ``P15``.
    name, role, firm, city
        The participant's invented name, job role, firm and city.
    colleague
        A colleague named in the text, or ``None``.
    format
        File format to write: ``vtt``, ``docx`` or ``txt``.
    turns
        Speaker turns in order.
    themes
        Themes the participant voices.
    """

    participant_id: str
    name: str
    role: str
    firm: str
    city: str
    colleague: str | None
    format: str
    turns: tuple[Turn, ...]
    themes: tuple[str, ...]

    @property
    def file_name(self) -> str:
        return f"{self.participant_id}.{self.format}"

    @property
    def identifiers(self) -> dict[str, object]:
        """Identifying strings that appear in the text."""
        people = [self.name] + ([self.colleague] if self.colleague else [])
        return {"people": people, "firm": self.firm, "city": self.city}

    def theme_turns(self) -> dict[str, list[int]]:
        """Theme → 1-based numbers of the participant turns that voice it."""
        out: dict[str, list[int]] = {}
        for k, turn in enumerate(self.turns, start=1):
            if turn.theme is not None:
                out.setdefault(turn.theme, []).append(k)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per turn: turn, speaker, text, theme, start, end."""
        return pd.DataFrame(
            {
                "turn": range(1, len(self.turns) + 1),
                "speaker": [t.speaker for t in self.turns],
                "text": [t.text for t in self.turns],
                "theme": [t.theme for t in self.turns],
                "start": [t.start for t in self.turns],
                "end": [t.end for t in self.turns],
            }
        )


class _Builder:
    """Accumulates turns for one interview, drawing wording from the sentence bank."""

    def __init__(self, rng: np.random.Generator, name: str, colleague: str | None):
        self.rng = rng
        self.name = name
        self.colleague = colleague
        self.colleague_used = colleague is None
        self.used: set[str] = set()
        self.turns: list[tuple[str, str, str | None]] = []

    def pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def fill(self, template: str, **fixed: str) -> str:
        values = {key: self.pick(opts) for key, opts in phrases.SLOTS.items()}
        values.update(fixed)
        return template.format_map(values)

    def ask(self, text: str) -> None:
        self.turns.append((INTERVIEWER, text, None))

    def say(self, text: str, theme: str | None = None) -> None:
        self.turns.append((self.name, text, theme))

    def sentences(self, theme: str, k: int) -> list[str]:
        bank = [s for s in phrases.THEME_SENTENCES[theme] if s not in self.used]
        picked = [bank[i] for i in self.rng.choice(len(bank), size=k, replace=False)]
        self.used.update(picked)
        return [self.fill(s) for s in picked]

    def answer(self, theme: str, k: int, voiced: bool) -> None:
        if not voiced:
            self.say(self.pick(phrases.NEUTRAL_ANSWERS))
            return
        parts = self.sentences(theme, k)
        if self.rng.random() < 0.3:
            parts.insert(0, self.pick(phrases.OPENERS))
        if not self.colleague_used and theme != "pandemic_challenges" and self.rng.random() < 0.6:
            parts.append(phrases.COLLEAGUE_DETAIL.format(colleague=self.colleague))
            self.colleague_used = True
        elif self.rng.random() < 0.3:
            problem = theme == "pandemic_challenges"
            parts.append(self.pick(phrases.PROBLEM_DETAILS if problem else phrases.DETAILS))
        self.say(" ".join(parts), theme)


def _interview(
    b: _Builder, role: str, firm: str, city: str, voiced: set[str]
) -> list[tuple[str, str, str | None]]:
    """The turn sequence of one interview (speaker, text, theme)."""
    markets = b.rng.choice(len(phrases.SLOTS["market"]), size=2, replace=False)
    market, market2 = (phrases.SLOTS["market"][int(i)] for i in markets)
    b.ask(f"{b.fill(b.pick(phrases.GREETINGS), name=b.name)} {b.pick(phrases.OPENING_QUESTIONS)}")
    intro = b.pick(phrases.INTRODUCTIONS)
    b.say(
        intro.format(
            name=b.name,
            role=phrases.ROLE_PHRASES[role],
            firm=firm,
            city=city,
            market=market,
            market2=market2,
        )
    )
    b.ask(b.pick(phrases.CONSENT_QUESTIONS))
    b.say(b.pick(phrases.CONSENT_ANSWERS))

    # Area 1: problems during the pandemic.
    b.ask(b.pick(phrases.AREA_QUESTIONS["pandemic"]))
    b.answer("pandemic_challenges", 2, True)
    n_probes = int(b.rng.integers(1, 3))
    for i in b.rng.choice(len(phrases.PANDEMIC_PROBES), size=n_probes, replace=False):
        b.ask(phrases.PANDEMIC_PROBES[int(i)])
        b.answer("pandemic_challenges", 1, True)

    # Area 2: resilience strategies.
    order = [
        str(t)
        for t in b.rng.permutation(["supply_chain_diversification", "employee_training_engagement"])
    ]
    order.sort(key=lambda t: t not in voiced)
    b.ask(b.pick(phrases.AREA_QUESTIONS["strategies"]))
    b.answer(order[0], 2, order[0] in voiced)
    b.ask(b.pick(phrases.THEME_PROBES[order[1]]))
    b.answer(order[1], int(b.rng.integers(1, 3)), order[1] in voiced)
    if b.rng.random() < 0.5 and order[1] in voiced:
        b.ask(b.pick(phrases.FOLLOW_UPS))
        b.answer(order[1], 1, True)

    # Area 3: digital transformation and service to customers abroad.
    b.ask(b.pick(phrases.AREA_QUESTIONS["transformation"]))
    b.answer("digital_tools_adoption", 2, "digital_tools_adoption" in voiced)
    if "digital_tools_adoption" in voiced and b.rng.random() < 0.5:
        b.ask(b.pick(phrases.FOLLOW_UPS))
        b.answer("digital_tools_adoption", 1, True)
    b.ask(b.pick(phrases.THEME_PROBES["customer_engagement"]))
    b.answer("customer_engagement", 2, "customer_engagement" in voiced)
    extra = sorted(t for t in voiced if t != "pandemic_challenges")
    n_extra = min(int(b.rng.integers(0, 3)), len(extra))
    for i, q in zip(
        b.rng.choice(len(extra), size=n_extra, replace=False),
        b.rng.choice(len(phrases.OPEN_QUESTIONS), size=n_extra, replace=False),
        strict=True,
    ):
        b.ask(phrases.OPEN_QUESTIONS[int(q)])
        b.answer(extra[int(i)], 1, True)

    b.ask(b.pick(phrases.CLOSING_QUESTIONS))
    b.say(b.pick(phrases.CLOSING_ANSWERS).format(firm=firm))
    b.ask(b.pick(phrases.THANKS).format(name=b.name))
    b.say(b.pick(phrases.GOODBYES))
    return b.turns


def _timed(turns: list[tuple[str, str, str | None]], rng: np.random.Generator) -> tuple[Turn, ...]:
    """Attach cue times: speech at a steady rate with short random pauses."""
    out = []
    t = float(rng.uniform(1.0, 4.0))
    for speaker, text, theme in turns:
        length = 0.8 + len(text.split()) / SPEECH_WORDS_PER_SEC
        start, end = round(t, 3), round(t + length, 3)
        out.append(Turn(speaker, text, theme, start, end))
        t = end + float(rng.uniform(0.4, 2.5))
    return tuple(out)


def _voiced_sets(rng: np.random.Generator) -> list[set[str]]:
    """Themes per participant: pandemic problems for all, each strategy theme for 11-13."""
    sets: list[set[str]] = [{"pandemic_challenges"} for _ in range(N_INTERVIEWS)]
    low, high = THEME_VOICED_RANGE
    for theme in phrases.THEMES[1:]:
        k = int(rng.integers(low, high + 1))
        for i in rng.choice(N_INTERVIEWS, size=k, replace=False):
            sets[int(i)].add(theme)
    return sets


def _roles(rng: np.random.Generator) -> list[str]:
    """Every S1 role at least once; participant 5 is the e-commerce manager."""
    roles = list(phrases.ROLES) + [
        phrases.ROLES[int(i)] for i in rng.integers(0, len(phrases.ROLES), N_INTERVIEWS - 8)
    ]
    roles = [roles[int(i)] for i in rng.permutation(len(roles))]
    k = roles.index("E-commerce Manager")
    roles[4], roles[k] = roles[k], roles[4]
    return roles


def transcripts(rng: np.random.Generator) -> list[Transcript]:
    """Fifteen synthetic S1 interviews (P01..P15).

    Parameters
    ----------
    rng
        Random generator; the same generator state gives the same interviews.

    Returns
    -------
    list of Transcript
        In participant order; formats vtt (P01-P05), docx (P06-P10), txt (P11-P15).
    """
    names = [phrases.PEOPLE[int(i)] for i in rng.permutation(len(phrases.PEOPLE))]
    firms = [phrases.FIRMS[int(i)] for i in rng.permutation(len(phrases.FIRMS))]
    cities = [phrases.CITIES[int(i)] for i in rng.permutation(len(phrases.CITIES))]
    colleagues = [phrases.COLLEAGUES[int(i)] for i in rng.permutation(len(phrases.COLLEAGUES))]
    with_colleague = set(rng.choice(N_INTERVIEWS, size=len(colleagues), replace=False).tolist())
    roles = _roles(rng)
    voiced = _voiced_sets(rng)
    out = []
    next_colleague = iter(colleagues)
    for i in range(N_INTERVIEWS):
        colleague = next(next_colleague) if i in with_colleague else None
        builder = _Builder(rng, names[i], colleague)
        turns = _interview(builder, roles[i], firms[i], cities[i], voiced[i])
        if not builder.colleague_used:
            colleague = None
        timed = _timed(turns, rng)
        spoken = {t.theme for t in timed if t.theme is not None}
        out.append(
            Transcript(
                participant_id=f"P{i + 1:02d}",
                name=names[i],
                role=roles[i],
                firm=firms[i],
                city=cities[i],
                colleague=colleague,
                format=FORMATS[i],
                turns=timed,
                themes=tuple(t for t in phrases.THEMES if t in spoken),
            )
        )
    return out


def participants(
    interviews: list[Transcript],
    survey: pd.DataFrame,
    rng: np.random.Generator,
    exclude: Iterable[str] = (),
) -> pd.DataFrame:
    """Participant sheet linking each interview to a distinct surveyed firm.

    Parameters
    ----------
    interviews
        From :func:`transcripts`.
    survey
        Clean survey rows (``respondent_id``, ``sector``, ``employees``).
    rng
        Random generator.
    exclude
        Respondent ids not to link (e.g. the planted influential firm).

    Returns
    -------
    DataFrame
        participant_id, respondent_id, role, sector (label), employees,
        interview_date (ISO), duration_min, transcript_file.
    """
    pool = survey.loc[~survey["respondent_id"].isin(list(exclude))].reset_index(drop=True)
    rows = pool.iloc[np.sort(rng.choice(len(pool), size=len(interviews), replace=False))]
    rows = rows.iloc[rng.permutation(len(rows))]
    sector_names = {1: "Retail", 2: "Manufacturing", 3: "Services"}
    weekdays = [FIRST_INTERVIEW + timedelta(days=d) for d in range(49)]
    weekdays = [d for d in weekdays if d.weekday() < 5]
    dates = sorted(weekdays[int(i)] for i in rng.choice(len(weekdays), len(interviews), False))
    duration = np.clip(np.rint(rng.normal(60, 5, size=len(interviews))), 48, 75)
    return pd.DataFrame(
        {
            "participant_id": [t.participant_id for t in interviews],
            "respondent_id": rows["respondent_id"].to_numpy(),
            "role": [t.role for t in interviews],
            "sector": [sector_names[int(s)] for s in rows["sector"]],
            "employees": rows["employees"].to_numpy(dtype=np.int64),
            "interview_date": [d.isoformat() for d in dates],
            "duration_min": duration.astype(np.int64),
            "transcript_file": [t.file_name for t in interviews],
        }
    )


def _clock(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def render_vtt(transcript: Transcript) -> str:
    """WebVTT text: numbered cues with ``<v Speaker>`` voice tags (W3C WebVTT, section 4)."""
    lines = ["WEBVTT", ""]
    for k, turn in enumerate(transcript.turns, start=1):
        lines += [
            str(k),
            f"{_clock(turn.start)} --> {_clock(turn.end)}",
            f"<v {turn.speaker}>{turn.text}",
            "",
        ]
    return "\n".join(lines)


def render_txt(transcript: Transcript) -> str:
    """Plain text: one ``Speaker: text`` line per turn."""
    return "".join(f"{t.speaker}: {t.text}\n" for t in transcript.turns)


def render_docx(transcript: Transcript) -> bytes:
    """DOCX bytes: one paragraph per turn, the speaker label in bold.

    Core properties carry a fixed date and the zip entries a fixed timestamp,
    so the same transcript always gives the same bytes.
    """
    from docx import Document

    doc = Document()
    doc.core_properties.title = f"Interview {transcript.participant_id}"
    for turn in transcript.turns:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{turn.speaker}:").bold = True
        paragraph.add_run(f" {turn.text}")
    return docx_bytes(doc, author="smekit demo")

"""The theme table of a thematic analysis: theme, definition, prevalence, quotes, interpretation.

Laid out like the core study's report (Braun & Clarke's sixth phase, "producing the report"):
one row per theme with its definition from the codebook, how many participants and segments
voice it, two or three representative quotes from different participants attributed as
"Participant 5, E-commerce Manager", and the researcher's interpretation.

The interpretation is the researcher's text, kept in the study (``interpretations/themes.yaml``)
and only ever read by smekit: :func:`write_interpretations_template` creates the file with
empty entries once and never writes to an existing file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from smekit.core.errors import DataError

N_QUOTES = 3
TEMPLATE_HEADER = (
    "# The researcher's interpretation of each theme, shown in the theme table.\n"
    "# smekit wrote this file once with empty entries and never changes it: edit freely.\n"
)


@dataclass(frozen=True)
class ThemeTable:
    """One row per theme.

    Attributes
    ----------
    table
        theme, name, definition, n_participants, n_segments, quotes (list of
        ``(quote, attribution)`` pairs), interpretation.
    """

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The table with quotes as text: ``"quote" (Participant 5, Role)`` joined by new lines."""
        out = self.table.copy()
        out["quotes"] = [
            "\n".join(f"\u201c{q}\u201d ({a})" for q, a in qs) for qs in self.table["quotes"]
        ]
        return out

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for r in self.table.to_dict(orient="records"):
            r["quotes"] = [{"quote": q, "attribution": a} for q, a in r["quotes"]]
            rows.append(r)
        return {"themes": rows}

    def to_markdown(self) -> str:
        """Markdown: Theme | Participants | Segments | Supporting quotes | Interpretation."""
        lines = [
            "| Theme | Participants | Segments | Supporting quotes | Interpretation |",
            "|---|---|---|---|---|",
        ]
        for r in self.table.itertuples(index=False):
            quotes = "<br>".join(f"\u201c{q}\u201d ({a})" for q, a in r.quotes)
            cells = [r.name, str(r.n_participants), str(r.n_segments), quotes, r.interpretation]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return "\n".join(lines) + "\n"


def attribution(participant_id: str, role: str | None) -> str:
    """``Participant 5, E-commerce Manager`` for participant ``P05``.

    Examples
    --------
    >>> attribution("P05", "E-commerce Manager")
    'Participant 5, E-commerce Manager'
    >>> attribution("anna", None)
    'Participant anna'
    """
    m = re.search(r"(\d+)$", str(participant_id))
    who = f"Participant {int(m.group(1))}" if m else f"Participant {participant_id}"
    return f"{who}, {role}" if role and not pd.isna(role) else who


def theme_table(
    assignments: pd.DataFrame,
    segments: pd.DataFrame,
    codebook: Any,
    participants: pd.DataFrame | None = None,
    interpretations: dict[str, str] | None = None,
    representatives: dict[str, list[str]] | None = None,
    n_quotes: int = N_QUOTES,
) -> ThemeTable:
    """Build the theme table from segment → theme assignments.

    Parameters
    ----------
    assignments
        ``segment_id`` and ``theme`` (a codebook theme id), from the topic model
        (:attr:`ThemeModel.assignments`) or from manual codes (:func:`segment_themes`); an
        optional ``similarity`` column ranks quote candidates.
    segments
        Segments frame (``segment_id``, ``participant_id``, ``text``).
    codebook
        Gives each theme's name and definition, and the row order.
    participants
        Participant sheet (``participant_id``, ``role``) for the attributions.
    interpretations
        Theme id → the researcher's interpretation (:func:`read_interpretations`).
    representatives
        Theme id → preferred quote segment ids, in order (e.g. a topic's representatives).
    n_quotes
        Quotes per theme, each from a different participant.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> cb = NS(themes=lambda: [NS(id="t", name="Tools", definition="Using software.")])
    >>> seg = pd.DataFrame({"segment_id": ["P05:0003"], "participant_id": ["P05"],
    ...                     "text": ["We moved to the cloud."]})
    >>> sheet = pd.DataFrame({"participant_id": ["P05"], "role": ["E-commerce Manager"]})
    >>> tt = theme_table(pd.DataFrame({"segment_id": ["P05:0003"], "theme": ["t"]}), seg, cb, sheet)
    >>> tt.table.loc[0, "quotes"]
    [('We moved to the cloud.', 'Participant 5, E-commerce Manager')]
    """
    seg = segments.set_index(segments["segment_id"].astype(str))
    a = assignments.dropna(subset=["theme"]).copy()
    a["segment_id"] = a["segment_id"].astype(str)
    unknown = sorted(set(a["segment_id"]) - set(seg.index))
    if unknown:
        raise DataError(f"assignments name segments not in the segments frame: {unknown[:5]}")
    a["participant_id"] = seg.loc[a["segment_id"], "participant_id"].to_numpy()
    a["text"] = seg.loc[a["segment_id"], "text"].astype(str).to_numpy()
    roles: dict[str, str] = {}
    if participants is not None and "role" in participants.columns:
        roles = dict(
            zip(participants["participant_id"].astype(str), participants["role"], strict=True)
        )
    rows = []
    for theme in codebook.themes():
        part = a[a["theme"] == theme.id]
        if "similarity" in part.columns:
            part = part.sort_values(["similarity", "segment_id"], ascending=[False, True])
        else:
            words = part["text"].str.split().str.len()
            part = part.assign(_d=(words - 40).abs()).sort_values(["_d", "segment_id"])
        preferred = [
            s for s in (representatives or {}).get(theme.id, []) if s in set(part["segment_id"])
        ]
        ordered = preferred + [s for s in part["segment_id"] if s not in preferred]
        quotes, used = [], set()
        for sid in ordered:
            pid = str(seg.at[sid, "participant_id"])
            if pid in used:
                continue
            used.add(pid)
            quotes.append((str(seg.at[sid, "text"]), attribution(pid, roles.get(pid))))
            if len(quotes) == n_quotes:
                break
        rows.append(
            {
                "theme": theme.id,
                "name": theme.name,
                "definition": theme.definition,
                "n_participants": int(part["participant_id"].nunique()),
                "n_segments": len(part),
                "quotes": quotes,
                "interpretation": (interpretations or {}).get(theme.id, ""),
            }
        )
    return ThemeTable(table=pd.DataFrame(rows))


def read_interpretations(path: str | Path) -> dict[str, str]:
    """Theme id → interpretation from ``interpretations/themes.yaml`` (empty when absent).

    The file is ``themes: {theme_id: {name: ..., interpretation: ...}}``; a plain
    ``theme_id: text`` mapping under ``themes`` is accepted too.
    """
    from smekit.core.yamlio import read_yaml

    path = Path(path)
    if not path.exists():
        return {}
    doc = read_yaml(path, DataError) or {}
    themes = doc.get("themes", {}) if isinstance(doc, dict) else None
    if not isinstance(themes, dict):
        raise DataError("expected a 'themes:' mapping of theme id to interpretation", where=path)
    out = {}
    for key, value in themes.items():
        text = value.get("interpretation", "") if isinstance(value, dict) else value
        out[str(key)] = "" if text is None else str(text).strip()
    return out


def write_interpretations_template(path: str | Path, codebook: Any) -> bool:
    """Create the interpretations file with one empty entry per theme; never overwrite.

    Returns
    -------
    bool
        ``True`` when the file was created, ``False`` when it already existed (left as it is).
    """
    import yaml

    path = Path(path)
    if path.exists():
        return False
    body = {"themes": {t.id: {"name": t.name, "interpretation": ""} for t in codebook.themes()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE_HEADER + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(text)
    return True

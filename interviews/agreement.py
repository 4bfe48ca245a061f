"""Intercoder agreement: percent, Cohen's and Brennan-Prediger kappa, Krippendorff's alpha.

Agreement is computed per code on a binary decision (did the coder apply the code to the
unit?) and pooled over codes. The unit rule is explicit:

``segment``
    units are the transcript's segments (speaker turns; without a segments frame, the coded
    segments named in the codings, else clusters of overlapping codings). A coder applied a code
    to a segment when their codings of it cover at least ``min_overlap`` of the segment's
    characters (``0``: any overlap; MAXQDA's segment test uses 90 %, ``min_overlap=0.9``).
``character``
    every character of each transcript is a unit (Krippendorff's unitised view; characters
    nobody coded count as agreement on absence when the texts are given).
``document``
    a transcript is a unit: did the coder use the code anywhere in it?

Statistics: percent agreement (mean over coder pairs), Cohen's kappa (scikit-learn's
``cohen_kappa_score``; mean over pairs for more than two coders), Brennan-Prediger's kappa
(chance agreement ``1/q`` with ``q = 2`` categories) and Krippendorff's alpha, nominal, for two
or more coders (the ``krippendorff`` package).

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and Psychological
Measurement* 20(1), 37-46.
Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: some uses, misuses, and
alternatives. *Educational and Psychological Measurement* 41(3), 687-699.
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
Communication, University of Pennsylvania. https://repository.upenn.edu/asc_papers/43
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd

from smekit.core.errors import DataError

Unit = Literal["segment", "character", "document"]
UNITS = ("segment", "character", "document")
STAT_COLUMNS = [
    "code",
    "n_units",
    "n_coded",
    "percent_agreement",
    "cohen_kappa",
    "brennan_prediger",
    "krippendorff_alpha",
]
DISAGREEMENT_COLUMNS = [
    "transcript_id",
    "unit",
    "start",
    "end",
    "code",
    "applied_by",
    "not_by",
    "text",
]


def percent_agreement(a: Sequence, b: Sequence) -> float:
    """Share of units on which two coders agree.

    Formula: :math:`p_o = \\frac{1}{n}\\sum_i [a_i = b_i]`.

    >>> percent_agreement([1, 1, 0, 0], [1, 0, 0, 0])
    0.75
    """
    a, b = np.asarray(a), np.asarray(b)
    if len(a) != len(b) or len(a) == 0:
        raise ValueError("need two equally long, non-empty rating vectors")
    return float(np.mean(a == b))


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa for two coders (``sklearn.metrics.cohen_kappa_score``).

    Formula: :math:`\\kappa = (p_o - p_e) / (1 - p_e)` with :math:`p_e = \\sum_k p_{a,k} p_{b,k}`.
    ``nan`` when chance agreement is 1 (both coders used one and the same category throughout).

    Examples
    --------
    The worked example in Wikipedia's "Cohen's kappa" (20 yes/yes, 5 yes/no, 10 no/yes,
    15 no/no): :math:`p_o = 0.7`, :math:`p_e = 0.5`, :math:`\\kappa = 0.4`.

    >>> a = [1] * 25 + [0] * 25
    >>> b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    >>> round(cohen_kappa(a, b), 4)
    0.4
    """
    from sklearn.metrics import cohen_kappa_score

    a, b = np.asarray(a), np.asarray(b)
    cats = np.union1d(a, b)
    pe = sum(np.mean(a == k) * np.mean(b == k) for k in cats)
    if np.isclose(pe, 1.0):
        return float("nan")
    return float(cohen_kappa_score(a, b))


def brennan_prediger(a: Sequence, b: Sequence, q: int = 2) -> float:
    """Brennan-Prediger kappa: chance agreement fixed at :math:`1/q`.

    Formula: :math:`\\kappa_{BP} = (p_o - 1/q) / (1 - 1/q)`; ``q`` is the number of categories
    (2 for applied / not applied). Brennan & Prediger (1981).

    >>> a = [1] * 25 + [0] * 25
    >>> b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    >>> round(brennan_prediger(a, b), 4)
    0.4
    """
    if q < 2:
        raise ValueError("q must be at least 2")
    po = percent_agreement(a, b)
    return float((po - 1 / q) / (1 - 1 / q))


def krippendorff_alpha(ratings: np.ndarray | Sequence[Sequence[float]]) -> float:
    """Krippendorff's alpha, nominal, for two or more coders (``krippendorff.alpha``).

    Formula: :math:`\\alpha = 1 - D_o / D_e`, observed over expected disagreement in the
    coincidence matrix of pairable values. ``ratings`` is coders × units; ``nan`` marks a
    missing rating. ``nan`` when every pairable value is the same (no variation).

    Examples
    --------
    Krippendorff (2011), section C (four observers, twelve units, missing values): nominal
    alpha = 0.743.

    >>> nan = float("nan")
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(krippendorff_alpha(data), 3)
    0.743
    """
    import krippendorff

    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2 or data.shape[0] < 2:
        raise ValueError("need a coders x units matrix with at least two coders")
    pairable = data[:, (~np.isnan(data)).sum(axis=0) >= 2]
    values = np.unique(pairable[~np.isnan(pairable)])
    if len(values) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


# -- codings → unit × coder matrices ----------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """Agreement between coders.

    Attributes
    ----------
    unit, min_overlap
        The unit rule used.
    coders
        Coders compared, sorted.
    per_code
        One row per code (:data:`STAT_COLUMNS`).
    pooled
        The same statistics over every unit × code decision.
    disagreements
        Units where the coders differ, to resolve (:data:`DISAGREEMENT_COLUMNS`).
    notes
        Why a statistic is missing, and other remarks.
    """

    unit: str
    min_overlap: float
    coders: tuple[str, ...]
    per_code: pd.DataFrame
    pooled: dict
    disagreements: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        pooled = pd.DataFrame([{"code": "(pooled)", **self.pooled}], columns=STAT_COLUMNS)
        return pd.concat([self.per_code, pooled], ignore_index=True)

    def to_dict(self) -> dict:
        return {
            "unit": self.unit,
            "min_overlap": self.min_overlap,
            "coders": list(self.coders),
            "pooled": self.pooled,
            "per_code": self.per_code.to_dict(orient="records"),
            "n_disagreements": len(self.disagreements),
            "notes": list(self.notes),
        }


def _units(
    codings: pd.DataFrame,
    unit: str,
    segments: pd.DataFrame | None,
    sources: Mapping[str, str] | None,
) -> pd.DataFrame:
    """The units: transcript_id, unit (label), start, end."""
    if unit == "document":
        ids = sorted(set(codings["transcript_id"]) | set(sources or ()))
        ends = [len(sources[t]) if sources and t in sources else 0 for t in ids]
        return pd.DataFrame({"transcript_id": ids, "unit": ids, "start": 0, "end": ends})
    if unit == "segment":
        if segments is not None:
            s = segments
            return pd.DataFrame(
                {
                    "transcript_id": s["transcript_id"].to_numpy(),
                    "unit": s["segment_id"].to_numpy(),
                    "start": s["char_start"].to_numpy(dtype="int64"),
                    "end": s["char_end"].to_numpy(dtype="int64"),
                }
            )
        if codings["segment_id"].notna().all():
            u = codings.groupby("segment_id", sort=True).agg(
                transcript_id=("transcript_id", "first"), start=("start", "min"), end=("end", "max")
            )
            return u.reset_index().rename(columns={"segment_id": "unit"})[
                ["transcript_id", "unit", "start", "end"]
            ]
        rows = []
        for tid, g in codings.sort_values(["transcript_id", "start"]).groupby("transcript_id"):
            cur = None
            for a, b in zip(g["start"], g["end"], strict=True):
                if cur and a < cur[1]:
                    cur[1] = max(cur[1], b)
                else:
                    if cur:
                        rows.append((tid, f"{tid}[{cur[0]}:{cur[1]}]", *cur))
                    cur = [int(a), int(b)]
            rows.append((tid, f"{tid}[{cur[0]}:{cur[1]}]", *cur))
        return pd.DataFrame(rows, columns=["transcript_id", "unit", "start", "end"])
    raise ValueError(f"unknown unit '{unit}'")


def _coverage(units: pd.DataFrame, spans: pd.DataFrame) -> np.ndarray:
    """Characters of each unit covered by the (non-overlapping, merged) spans."""
    out = np.zeros(len(units), dtype=np.int64)
    by_t = {t: g for t, g in spans.groupby("transcript_id")}
    for i, (t, a, b) in enumerate(
        zip(units["transcript_id"], units["start"], units["end"], strict=False)
    ):
        g = by_t.get(t)
        if g is None:
            continue
        inter = np.minimum(g["end"].to_numpy(), b) - np.maximum(g["start"].to_numpy(), a)
        out[i] = int(np.clip(inter, 0, None).sum())
    return out


def _char_matrix(codings, code, coders, sources) -> tuple[np.ndarray, pd.DataFrame]:
    ids = sorted(set(codings["transcript_id"]) | set(sources or ()))
    lengths = {
        t: len(sources[t])
        if sources and t in sources
        else int(codings.loc[codings.transcript_id == t, "end"].max())
        for t in ids
    }
    offsets = np.cumsum([0] + [lengths[t] for t in ids])
    mat = np.zeros((len(coders), int(offsets[-1])), dtype=np.int8)
    sub = codings[codings["code"] == code]
    for r, coder in enumerate(coders):
        for t, a, b in zip(
            *(sub.loc[sub.coder == coder, c] for c in ("transcript_id", "start", "end")),
            strict=False,
        ):
            base = offsets[ids.index(t)]
            mat[r, base + int(a) : base + int(b)] = 1
    return mat, pd.DataFrame({"transcript_id": ids, "offset": offsets[:-1]})


def _stats(mat: np.ndarray) -> dict:
    pairs = list(combinations(range(mat.shape[0]), 2))
    po = float(np.mean([percent_agreement(mat[i], mat[j]) for i, j in pairs]))
    kappas = [cohen_kappa(mat[i], mat[j]) for i, j in pairs]
    bp = float(np.mean([brennan_prediger(mat[i], mat[j]) for i, j in pairs]))
    kappa = float(np.mean(kappas)) if not any(np.isnan(kappas)) else float("nan")
    return {
        "n_units": int(mat.shape[1]),
        "n_coded": int((mat.max(axis=0) > 0).sum()),
        "percent_agreement": po,
        "cohen_kappa": kappa,
        "brennan_prediger": bp,
        "krippendorff_alpha": krippendorff_alpha(mat.astype(float)),
    }


def agreement(
    codings: pd.DataFrame,
    unit: Unit = "segment",
    min_overlap: float = 0.0,
    segments: pd.DataFrame | None = None,
    sources: Mapping[str, str] | None = None,
    codes: Sequence[str] | None = None,
    coders: Sequence[str] | None = None,
) -> Agreement:
    """Agreement between two or more coders, per code and pooled.

    Parameters
    ----------
    codings
        A checked codings frame (:func:`smekit.interviews.codings.check_codings`).
    unit
        ``segment``, ``character`` or ``document`` (see the module docstring).
    min_overlap
        Segment rule: the share of a segment a coder's codings must cover (0 = any overlap).
    segments, sources
        The segments frame and the plain texts, when known.
    codes, coders
        Restrict to these (default: every code and coder in ``codings``).

    Returns
    -------
    Agreement

    Raises
    ------
    DataError
        Fewer than two coders, no codings, or an unknown unit.

    Examples
    --------
    >>> c = pd.DataFrame({"segment_id": ["T:0", "T:1", "T:0", "T:2"], "transcript_id": "T",
    ...     "start": [0, 10, 0, 20], "end": [10, 20, 10, 30], "code": "a",
    ...     "coder": ["x", "x", "y", "y"], "memo": None})
    >>> seg = pd.DataFrame({"segment_id": ["T:0", "T:1", "T:2", "T:3"], "transcript_id": "T",
    ...     "char_start": [0, 10, 20, 30], "char_end": [10, 20, 30, 40]})
    >>> a = agreement(c, "segment", segments=seg)
    >>> a.pooled["percent_agreement"], round(a.pooled["cohen_kappa"], 3)
    (0.5, 0.0)
    """
    if unit not in UNITS:
        raise DataError(f"unknown unit '{unit}'", fix=f"use one of {', '.join(UNITS)}")
    if not 0.0 <= min_overlap <= 1.0:
        raise DataError(f"min_overlap {min_overlap} must lie between 0 and 1")
    if codings.empty:
        raise DataError("no codings to compare")
    coders = tuple(sorted(coders or set(codings["coder"])))
    if len(coders) < 2:
        raise DataError(
            f"agreement needs at least two coders; found {list(coders)}",
            fix="give codings of two or more coders (the 'coder' column)",
        )
    codings = codings[codings["coder"].isin(coders)]
    codes = list(codes or sorted(set(codings["code"])))
    notes: list[str] = []
    per_code, decisions, dis = [], [], []
    units = None if unit == "character" else _units(codings, unit, segments, sources)
    for code in codes:
        sub = codings[codings["code"] == code]
        if unit == "character":
            mat, offs = _char_matrix(codings, code, coders, sources)
            diff = np.flatnonzero(mat.min(axis=0) != mat.max(axis=0))
            for run in np.split(diff, np.flatnonzero(np.diff(diff) != 1) + 1) if len(diff) else []:
                k = int(np.searchsorted(offs["offset"], run[0], side="right") - 1)
                t, base = offs["transcript_id"][k], int(offs["offset"][k])
                yes = [c for r, c in enumerate(coders) if mat[r, run[0]]]
                dis.append(
                    _dis(
                        t,
                        f"{t}[{run[0] - base}:{run[-1] + 1 - base}]",
                        run[0] - base,
                        run[-1] + 1 - base,
                        code,
                        yes,
                        coders,
                        sources,
                    )
                )
        else:
            rows = []
            for coder in coders:
                spans = sub[sub["coder"] == coder]
                cov = _coverage(units, spans)
                length = (units["end"] - units["start"]).to_numpy()
                if unit == "document":
                    applied = cov > 0 if len(spans) else np.zeros(len(units), bool)
                    applied = units["transcript_id"].isin(set(spans["transcript_id"])).to_numpy()
                elif min_overlap == 0:
                    applied = cov > 0
                else:
                    applied = cov >= min_overlap * np.maximum(length, 1)
                rows.append(applied.astype(np.int8))
            mat = np.vstack(rows)
            for i in np.flatnonzero(mat.min(axis=0) != mat.max(axis=0)):
                u = units.iloc[i]
                yes = [c for r, c in enumerate(coders) if mat[r, i]]
                dis.append(
                    _dis(u.transcript_id, u.unit, u.start, u.end, code, yes, coders, sources)
                )
        stats = _stats(mat)
        if np.isnan(stats["cohen_kappa"]):
            notes.append(f"{code}: kappa undefined (no variation in the coders' decisions)")
        per_code.append({"code": code, **stats})
        decisions.append(mat)
    pooled = _stats(np.hstack(decisions))
    return Agreement(
        unit=unit,
        min_overlap=float(min_overlap),
        coders=coders,
        per_code=pd.DataFrame(per_code, columns=STAT_COLUMNS),
        pooled=pooled,
        disagreements=pd.DataFrame(dis, columns=DISAGREEMENT_COLUMNS),
        notes=tuple(notes),
    )


def _dis(t, unit, a, b, code, yes, coders, sources) -> dict:
    text = sources[t][int(a) : int(b)] if sources and t in sources and unit != t else None
    return {
        "transcript_id": t,
        "unit": unit,
        "start": int(a),
        "end": int(b),
        "code": code,
        "applied_by": ", ".join(yes),
        "not_by": ", ".join(c for c in coders if c not in yes),
        "text": text,
    }

"""Peer groups, fallback levels and the privacy rule of the benchmark.

A firm is compared with the firms like it: the firms that share its sector,
region and size band (the *peer levels* are configurable). A level is used for
a firm only when its group there has at least ``min_size`` firms; otherwise the
firm falls back to the next broader level (e.g. sector x size band, then
sector, then all firms), and every result records which level was used.

Privacy rule
------------
1. **Threshold rule.** No peer statistic (median, quartiles, percentile rank)
   is computed from a group of fewer than ``min_size`` firms, the firm itself
   included (default 5; the minimum-frequency rule of statistical disclosure
   control, Hundepool et al. 2012, section 5.2, and the k-anonymity idea of
   Sweeney 2002). Smaller groups fall back to a broader level; when no level
   qualifies, no peer statistic is shown at all.
2. **No single firm's value.** Peer medians and quartiles are Harrell-Davis
   quantiles (:func:`hd_quantiles`): weighted averages of every order statistic
   of the group, so a published statistic is computed from all the group's
   firms and is never simply one peer's answer (the plain median of an
   odd-sized group is the middle firm's own score).
3. **Percentile bands.** A firm's percentile rank is shown only as a band
   whose width covers at least two firms of its group
   (:func:`percentile_band_width`): 10 points from 20 firms, 20 from 10, 25 from
   8, 50 below that. An exact rank in a small group would say which peers
   score below the firm.
4. A firm's report holds only its own scores and these aggregates; peer
   identities and peer values are never shown.

References
----------
Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte Nordholt,
E., Spicer, K., & de Wolf, P.-P. (2012). *Statistical disclosure control*. Wiley.
(Chapter 5: threshold and dominance rules for tabular data.)
Sweeney, L. (2002). k-anonymity: a model for protecting privacy. *International
Journal of Uncertainty, Fuzziness and Knowledge-Based Systems*, 10(5), 557-570.
Harrell, F. E., & Davis, C. E. (1982). A new distribution-free quantile
estimator. *Biometrika*, 69(3), 635-640.
European Commission (2003). Recommendation 2003/361/EC concerning the definition
of micro, small and medium-sized enterprises. (Size bands.)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from smekit.core.errors import DataError

__all__ = [
    "ALL_FIRMS",
    "DEFAULT_LEVELS",
    "DEFAULT_MIN_SIZE",
    "DEFAULT_SIZE_EDGES",
    "PeerAssignment",
    "assign_levels",
    "grouped_hd_quantiles",
    "hd_quantiles",
    "level_name",
    "percentile_band",
    "percentile_band_width",
    "size_band",
]

DEFAULT_MIN_SIZE = 5
DEFAULT_SIZE_EDGES = (10, 50, 250)
SIZE_BAND_NAMES = ("micro", "small", "medium", "large")
DEFAULT_LEVELS: tuple[tuple[str, ...], ...] = (
    ("sector", "region", "size_band"),
    ("sector", "size_band"),
    ("sector",),
    (),
)
ALL_FIRMS = "all firms"
_NONE = "__none__"


def level_name(level: Sequence[str]) -> str:
    """Readable name of a peer level: ``'sector x region'``; ``'all firms'`` for ``()``."""
    return " x ".join(c.replace("_", " ") for c in level) if level else ALL_FIRMS


def size_band(employees: pd.Series | np.ndarray, edges: Sequence[int] = DEFAULT_SIZE_EDGES):
    """Employee-count size band: micro (< 10), small (10-49), medium (50-249), large (>= 250).

    The default edges follow the EU definition of SMEs (Recommendation
    2003/361/EC, by staff headcount); other edges give bands named ``'<10'``,
    ``'10-49'``, ... Missing counts give a missing band.

    Examples
    --------
    >>> size_band(pd.Series([3, 10, 120, 260, None])).tolist()
    ['micro', 'small', 'medium', 'large', nan]
    >>> size_band(pd.Series([5, 25]), edges=[20]).tolist()
    ['<20', '>=20']
    """
    edges = [int(e) for e in edges]
    if sorted(set(edges)) != edges or not edges:
        raise DataError(f"size band edges must be increasing integers, got {edges}")
    values = pd.Series(np.asarray(employees, dtype=float))
    if tuple(edges) == DEFAULT_SIZE_EDGES:
        names = list(SIZE_BAND_NAMES)
    else:
        names = [f"<{edges[0]}"]
        names += [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(edges)]
        names.append(f">={edges[-1]}")
    codes = np.searchsorted(np.asarray(edges, dtype=float), values.to_numpy(), side="right")
    out = pd.Series(np.asarray(names, dtype=object)[np.minimum(codes, len(names) - 1)])
    out[values.isna().to_numpy()] = np.nan
    return out.set_axis(getattr(employees, "index", out.index))


def hd_quantiles(values: np.ndarray, probs: Sequence[float] = (0.25, 0.5, 0.75)) -> np.ndarray:
    r"""Harrell-Davis quantile estimates.

    .. math::

        \hat q_p = \sum_{i=1}^{n} W_{n,i}\, x_{(i)}, \qquad
        W_{n,i} = I_{i/n}\{p(n+1), (1-p)(n+1)\} - I_{(i-1)/n}\{p(n+1), (1-p)(n+1)\}

    where :math:`x_{(i)}` are the order statistics and :math:`I_x(a, b)` the
    regularised incomplete beta function. Every order statistic gets a positive
    weight, so for ``n >= 2`` the estimate depends on every observation rather
    than being one of them (the privacy reason smekit uses it). Computed by
    :func:`scipy.stats.mstats.hdquantiles`; R ``Hmisc::hdquantile`` gives the
    same values.

    Parameters
    ----------
    values
        One group's values (missing values are dropped).
    probs
        Probabilities in (0, 1).

    Returns
    -------
    numpy.ndarray
        One estimate per probability (NaN for an empty group).

    References
    ----------
    Harrell, F. E., & Davis, C. E. (1982). A new distribution-free quantile
    estimator. *Biometrika*, 69(3), 635-640.

    Examples
    --------
    >>> hd_quantiles(np.array([1.0, 2.0, 3.0, 4.0, 10.0]), [0.5]).round(4).tolist()
    [3.2896]
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return np.full(len(probs), np.nan)
    if x.size == 1:
        return np.full(len(probs), x[0])
    return np.asarray(stats.mstats.hdquantiles(x, prob=list(probs)), dtype=float)


def hd_weights(n: int, probs: Sequence[float] = (0.25, 0.5, 0.75)) -> np.ndarray:
    r"""Harrell-Davis weights :math:`W_{n,i}` of ``n`` order statistics, one row per probability.

    Examples
    --------
    >>> hd_weights(5, [0.5]).round(4).tolist()
    [[0.0579, 0.2595, 0.3651, 0.2595, 0.0579]]
    """
    from scipy.special import betainc

    grid = np.arange(n + 1) / n
    rows = []
    for p in probs:
        a, b = p * (n + 1), (1 - p) * (n + 1)
        rows.append(np.diff(betainc(a, b, grid)))
    return np.asarray(rows)


def grouped_hd_quantiles(
    values: np.ndarray,
    gid: np.ndarray,
    wanted: np.ndarray,
    probs: Sequence[float] = (0.25, 0.5, 0.75),
    weights: dict[int, np.ndarray] | None = None,
) -> np.ndarray:
    """:func:`hd_quantiles` of many groups at once (weights computed once per group size).

    Parameters
    ----------
    values
        Values without missing entries.
    gid
        Group number ``0 .. len(wanted) - 1`` of every value.
    wanted
        Boolean per group: which groups to estimate (others stay NaN).
    weights
        A dict reused across calls with the same ``probs`` (group size -> weights).

    Returns
    -------
    numpy.ndarray
        ``(len(wanted), len(probs))`` estimates.

    Examples
    --------
    >>> v = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 5.0, 6.0])
    >>> g = np.array([0, 0, 0, 0, 0, 1, 1])
    >>> grouped_hd_quantiles(v, g, np.array([True, False]), [0.5]).round(4).tolist()
    [[3.2896], [nan]]
    """
    values = np.asarray(values, dtype=float)
    gid = np.asarray(gid)
    n_groups = len(wanted)
    out = np.full((n_groups, len(probs)), np.nan)
    order = np.lexsort((values, gid))
    sorted_values, sorted_gid = values[order], gid[order]
    bounds = np.searchsorted(sorted_gid, np.arange(n_groups + 1))
    weights = {} if weights is None else weights
    for g in np.flatnonzero(wanted):
        lo, hi = bounds[g], bounds[g + 1]
        m = int(hi - lo)
        if m == 0:
            continue
        if m not in weights:
            weights[m] = hd_weights(m, probs) if m > 1 else np.ones((len(probs), 1))
        out[g] = weights[m] @ sorted_values[lo:hi]
    return out


def percentile_band_width(n: int | np.ndarray) -> np.ndarray:
    """Width in points of the percentile band shown for a group of ``n`` firms.

    The narrowest of 10, 20, 25 and 50 points that covers at least two firms'
    share of the group (``width * n / 100 >= 2``): 10 from n = 20, 20 from
    n = 10, 25 from n = 8, else 50.

    Examples
    --------
    >>> percentile_band_width(np.array([5, 8, 10, 19, 20, 300])).tolist()
    [50, 25, 20, 20, 10, 10]
    """
    n = np.asarray(n)
    return np.select([n >= 20, n >= 10, n >= 8], [10, 20, 25], default=50)


def percentile_band(percentile: float, n: int) -> str | None:
    """The band shown for an exact percentile rank in a group of ``n`` firms.

    Examples
    --------
    >>> percentile_band(73.4, 300), percentile_band(73.4, 12), percentile_band(90.0, 5)
    ('70-80', '60-80', '50-100')
    >>> percentile_band(float("nan"), 300) is None
    True
    """
    if percentile is None or not np.isfinite(percentile):
        return None
    width = int(percentile_band_width(n))
    low = min(int(percentile // width) * width, 100 - width)
    return f"{low}-{low + width}"


@dataclass(frozen=True)
class PeerAssignment:
    """Which peer level each firm is compared at.

    Attributes
    ----------
    level
        Per firm (index of the input frame): index into ``levels`` of the level
        used, or -1 when no level has ``min_size`` firms.
    group
        Per firm: a key of its group at the level used (text; ``''`` for all firms).
    n
        Per firm: the size of its group at the level used (0 when none qualifies).
    sizes
        Per firm and level: the group size at every level (columns = level names).
    keys
        Per firm and level: the firm's group key at every level (same columns).
    levels
        The peer levels, narrowest first.
    min_size
        The threshold rule's minimum group size.
    """

    level: pd.Series
    group: pd.Series
    n: pd.Series
    sizes: pd.DataFrame
    keys: pd.DataFrame
    levels: tuple[tuple[str, ...], ...]
    min_size: int

    def level_names(self) -> pd.Series:
        """Per firm: the name of the level used (``None`` when none qualifies)."""
        names = np.array([level_name(lv) for lv in self.levels] + [None], dtype=object)
        return pd.Series(names[self.level.to_numpy()], index=self.level.index)

    def usage(self) -> pd.DataFrame:
        """How many firms were compared at each level."""
        names = self.level_names().fillna("none (no group large enough)")
        return names.value_counts().rename_axis("level").reset_index(name="firms")


def _group_keys(frame: pd.DataFrame, level: Sequence[str]) -> pd.Series:
    """One text key per row for a level's columns (missing values are their own group)."""
    if not level:
        return pd.Series("", index=frame.index, dtype=object)
    parts = [frame[c].astype(object).where(frame[c].notna(), _NONE).astype(str) for c in level]
    key = parts[0]
    for p in parts[1:]:
        key = key + "|" + p
    return key


def assign_levels(
    frame: pd.DataFrame,
    levels: Sequence[Sequence[str]] = DEFAULT_LEVELS,
    min_size: int = DEFAULT_MIN_SIZE,
) -> PeerAssignment:
    """Choose each firm's peer level: the narrowest whose group has at least ``min_size`` firms.

    Parameters
    ----------
    frame
        One row per firm with the level columns (e.g. ``sector``, ``region``,
        ``size_band``).
    levels
        Peer levels, narrowest first; ``()`` is all firms.
    min_size
        Threshold rule: the smallest group that yields peer statistics.

    Returns
    -------
    PeerAssignment

    Examples
    --------
    >>> f = pd.DataFrame({"sector": ["a"] * 6 + ["b"] * 2, "region": list("xxxxxyxy")})
    >>> a = assign_levels(f, [("sector", "region"), ("sector",), ()], min_size=5)
    >>> a.level.tolist(), a.n.tolist()
    ([0, 0, 0, 0, 0, 1, 2, 2], [5, 5, 5, 5, 5, 6, 8, 8])
    """
    levels = tuple(tuple(lv) for lv in levels)
    if not levels:
        raise DataError("no peer levels given", fix="give at least one level, e.g. [sector]")
    if min_size < 2:
        raise DataError(f"the minimum peer group size must be at least 2, got {min_size}")
    missing = sorted({c for lv in levels for c in lv} - set(frame.columns))
    if missing:
        raise DataError(
            f"peer level column(s) {missing} not in the data",
            fix=f"use columns of the firm table: {sorted(map(str, frame.columns))}",
        )
    n = len(frame)
    chosen = np.full(n, -1, dtype=np.int64)
    chosen_key = np.full(n, "", dtype=object)
    chosen_n = np.zeros(n, dtype=np.int64)
    sizes, keys = {}, {}
    for i, lv in enumerate(levels):
        key = _group_keys(frame, lv)
        keys[level_name(lv)] = key.to_numpy()
        size = key.map(key.value_counts()).to_numpy(dtype=np.int64)
        sizes[level_name(lv)] = size
        take = (chosen < 0) & (size >= min_size)
        chosen[take] = i
        chosen_key[take] = key.to_numpy()[take]
        chosen_n[take] = size[take]
    idx = frame.index
    return PeerAssignment(
        level=pd.Series(chosen, index=idx, name="level"),
        group=pd.Series(chosen_key, index=idx, name="group"),
        n=pd.Series(chosen_n, index=idx, name="n"),
        sizes=pd.DataFrame(sizes, index=idx),
        keys=pd.DataFrame(keys, index=idx),
        levels=levels,
        min_size=int(min_size),
    )

"""Percentile ranks within peer groups, and peer quartiles at each firm's level.

* :func:`group_percentile_rank`: the mid-rank percentile rank of each value
  within its group.
* :func:`level_statistics`: per dimension, each firm's percentile rank and
  Harrell-Davis peer quartiles
  (:func:`~smekit.analysis.benchmark.peers.grouped_hd_quantiles`) at the peer
  level it was given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smekit.analysis.benchmark.peers import PeerAssignment, grouped_hd_quantiles

__all__ = ["group_percentile_rank", "level_statistics"]


def group_percentile_rank(values: pd.Series, groups: pd.Series | np.ndarray | None = None):
    r"""Mid-rank percentile rank of each value within its group.

    .. math:: PR_i = 100\,\frac{B_i + E_i / 2}{N_g} = 100\,\frac{r_i - 1/2}{N_g}

    with :math:`B_i` the values below, :math:`E_i` the values equal to
    :math:`x_i` (itself included), :math:`r_i` the average rank and :math:`N_g`
    the number of non-missing values in the group. Missing values get NaN.

    Parameters
    ----------
    values
        Scores, one per firm.
    groups
        Group label per firm (same index); all firms form one group when None.

    Returns
    -------
    pandas.Series
        Percentile ranks in (0, 100).

    References
    ----------
    Crocker, L., & Algina, J. (1986). *Introduction to classical and modern
    test theory*, chapter 19. scipy ``stats.percentileofscore(kind="mean")``
    gives the same value for one group.

    Examples
    --------
    >>> s = pd.Series([1.0, 2.0, 2.0, 4.0])
    >>> group_percentile_rank(s).tolist()
    [12.5, 50.0, 50.0, 87.5]
    >>> group_percentile_rank(s, pd.Series(["a", "a", "b", "b"])).tolist()
    [25.0, 75.0, 25.0, 75.0]
    """
    values = pd.Series(values, dtype=float)
    if groups is None:
        groups = np.zeros(len(values), dtype=np.int64)
    grouped = values.groupby(np.asarray(groups), sort=False)
    rank = grouped.rank(method="average")
    n = grouped.transform("count")
    return 100.0 * (rank - 0.5) / n


def level_statistics(
    values: pd.DataFrame, assignment: PeerAssignment
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per column: each firm's percentile rank and peer quartiles at the level it was given.

    A firm's reference group at level L is every firm sharing its level-L key,
    whatever level those firms were themselves compared at.
    """
    n = len(values)
    level = assignment.level.to_numpy()
    ranks = {c: np.full(n, np.nan) for c in values.columns}
    stats = {c: np.full((n, 3), np.nan) for c in values.columns}
    weights: dict[int, np.ndarray] = {}  # Harrell-Davis weights by group size, this call only
    for li in range(len(assignment.levels)):
        sel = level == li
        if not sel.any():
            continue
        gid, uniques = pd.factorize(assignment.keys.iloc[:, li])
        wanted = np.zeros(len(uniques), dtype=bool)
        wanted[np.unique(gid[sel])] = True
        for c in values.columns:
            x = values[c].to_numpy(dtype=float)
            ranks[c][sel] = group_percentile_rank(values[c], gid).to_numpy()[sel]
            stats[c][sel] = grouped_hd_quantiles(x, gid, wanted, weights=weights)[gid[sel]]
    return ranks, stats

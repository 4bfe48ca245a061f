"""The least-squares engine: QR over row blocks, one rank rule, optional weights.

Every linear fit in :mod:`smekit.analysis` (OLS, the interaction and subgroup
models, the IRLS steps of the Huber and bisquare estimators, the mediation
paths, the auxiliary regressions of the diagnostics) and the panel and IV
estimators built on them solve their least-squares problems here.

Method
------
For ``X`` (``n x k``), ``y`` and optional case weights ``w`` the engine
factorises ``[sqrt(w) X | sqrt(w) y] = Q [R | Q'y]`` one row block at a time,
so memory stays ``O(block * k)`` for any ``n`` and the columns of a block may
be generated on the fly (interaction products). A well-conditioned design
(scaled condition number at most ``1e5``) is factorised by CholeskyQR2 (two
passes of level-3 BLAS, as accurate as Householder in that range); any other
by Householder QR (LAPACK ``dgeqrf`` through ``numpy.linalg.qr``), each block
stacked under the running triangular factor and re-factorised (the
tall-skinny QR of Demmel, Grigori, Hoemmen & Langou 2012). Near-collinear
designs, and so every rank decision, always go the Householder way.
Then ``b = R^-1 Q'y``, the residual sum of squares is the squared last
diagonal entry of the augmented factor, and ``(X'W X)^-1 = R^-1 R^-T``.
Independent samples are pooled exactly by factorising their stacked ``R`` factors (:func:`stack_r`).

Rank rule
---------
The factorisation does not pivot, so ``|R_jj|`` is the length of the part of
column ``j`` not explained by the columns before it, and ``|R_jj| / ||x_j||``
is the sine of the angle between column ``j`` and their span. Column ``j`` is
*aliased* when

    ``|R_jj| <= RANK_TOL * ||x_j||``  with  ``RANK_TOL = 1e-7``,

the rule and tolerance of R's ``lm.fit`` (LINPACK ``dqrdc2`` with
``tol = 1e-07``, which moves such a column to the end and reports its
coefficient as ``NA``). It does not depend on the scale of any column, and a
column of zeros is aliased. smekit refuses an aliased column and names the
first one in formula order (the term R would report as ``NA``).

References
----------
Golub, G. H., & Van Loan, C. F. (2013). *Matrix computations* (4th ed.),
section 5.3. Johns Hopkins University Press.
Demmel, J., Grigori, L., Hoemmen, M., & Langou, J. (2012). Communication-optimal
parallel and sequential QR and LU factorizations. *SIAM Journal on Scientific
Computing*, 34(1), A206-A239.
Fukaya, T., Nakatsukasa, Y., Yanagisawa, Y., & Yamamoto, Y. (2014). CholeskyQR2:
a simple and communication-avoiding algorithm for computing a tall-skinny QR
factorization on a large-scale parallel system. *ScalA '14*, 31-38.
Yamamoto, Y., Nakatsukasa, Y., Yanagisawa, Y., & Fukaya, T. (2015). Roundoff
error analysis of the CholeskyQR2 algorithm. *Electronic Transactions on
Numerical Analysis*, 44, 306-326.
Becker, R. A., Chambers, J. M., & Wilks, A. R. (1988). *The New S Language*.
Wadsworth (``lm.fit``, ``dqrdc2``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.linalg

from smekit.core.errors import ModelError

__all__ = [
    "BLOCK_ROWS",
    "RANK_TOL",
    "LstsqFit",
    "aliased_columns",
    "check_rank",
    "fit_r",
    "lstsq",
    "qr_r",
    "qr_r_blocks",
    "qr_r_source",
    "stack_r",
]

RANK_TOL = 1e-7
"""Relative tolerance of the rank rule (R ``lm.fit``'s ``tol``)."""

BLOCK_ROWS = 65_536
"""Rows per block of the blocked factorisation."""

BlockSource = Callable[[], Iterable[np.ndarray]]
"""A function returning a fresh iterable of row blocks."""


# --------------------------------------------------------------------------- factorisation


def qr_r_blocks(blocks: Iterable[np.ndarray], width: int) -> np.ndarray:
    """Triangular factor ``R`` (``width x width``) of the row blocks stacked on each other.

    Parameters
    ----------
    blocks
        Row blocks, each ``m_i x width`` (e.g. ``[X_i | y_i]``).
    width
        Number of columns.

    Returns
    -------
    numpy.ndarray
        Upper triangular ``R`` with ``A'A = R'R``, padded with zero rows when
        there are fewer rows than columns. Equal to the ``R`` of one QR of the
        whole matrix up to the signs of its rows.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.arange(12.0).reshape(6, 2) ** 0.5
    >>> r = qr_r_blocks([A[:3], A[3:]], 2)
    >>> bool(np.allclose(r.T @ r, A.T @ A))
    True
    """
    r = np.zeros((0, width))
    for chunk in blocks:
        r = np.linalg.qr(np.vstack([r, chunk]), mode="r")
    if r.shape[0] < width:
        r = np.vstack([r, np.zeros((width - r.shape[0], width))])
    return r[:width]


def _cholesky_r(gram: np.ndarray) -> np.ndarray | None:
    """Upper Cholesky factor of a Gram matrix after unit-diagonal scaling, or None."""
    d = np.sqrt(np.diag(gram))
    if not np.all(d > 0) or not np.all(np.isfinite(d)):
        return None
    try:
        c = scipy.linalg.cholesky(gram / np.outer(d, d), lower=False, check_finite=False)
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        return None
    return c * d  # R of the unscaled columns: (C D)'(C D) = D S D = gram


def qr_r_source(source: BlockSource, width: int, *, method: str = "auto") -> np.ndarray:
    """``R`` of the row blocks that ``source()`` yields, by CholeskyQR2 or Householder QR.

    ``method="auto"`` runs CholeskyQR2 (Fukaya et al. 2014; Yamamoto et al.
    2015): ``R_1`` from the Cholesky factor of the column-scaled Gram matrix,
    then ``R_2`` from the Gram matrix of ``Q_1 = A R_1^-1`` (formed block by
    block, never stored) and ``R = R_2 R_1``. Two passes of level-3 BLAS; the
    factor is as accurate as Householder's when the scaled condition number is
    below ``u^-1/2`` (about ``7e7``). It is used only when the first factor's
    condition number is at most ``1e5``, far from both that limit and the rank
    rule's threshold (a column at the rank tolerance makes it at least
    ``1e7``); otherwise, and with ``method="householder"``, the blocked
    Householder QR of :func:`qr_r_blocks` decides.
    """
    if method not in ("auto", "householder"):
        raise ValueError(f"method must be 'auto' or 'householder', got {method!r}")
    if method == "auto":
        gram = np.zeros((width, width))
        for chunk in source():
            gram += chunk.T @ chunk
        r1 = _cholesky_r(gram)
        if r1 is not None and np.linalg.cond(r1 / np.sqrt(np.diag(gram))) <= _CHOLQR_MAX_COND:
            r1_inv = scipy.linalg.solve_triangular(r1, np.eye(width), check_finite=False)
            gram2 = np.zeros((width, width))
            for chunk in source():
                q = chunk @ r1_inv  # Q_1 = A R_1^-1, one block at a time
                gram2 += q.T @ q
            try:
                r2 = scipy.linalg.cholesky(gram2, lower=False, check_finite=False)
            except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
                r2 = None
            if r2 is not None:
                return np.triu(r2 @ r1)
    return qr_r_blocks(source(), width)


_CHOLQR_MAX_COND = 1e5


def qr_r(
    X: np.ndarray,
    y: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    *,
    scale: np.ndarray | None = None,
    block: int = BLOCK_ROWS,
    method: str = "auto",
) -> np.ndarray:
    """``R`` of the QR decomposition of ``sqrt(w) [X / scale | y]``, built over row blocks.

    With ``y`` the factor is ``(k + 1) x (k + 1)``: its last column holds
    ``Q'y`` and its last diagonal entry is the residual norm of the
    least-squares fit of ``y`` on ``X``. ``method`` is passed to
    :func:`qr_r_source` (CholeskyQR2 for well-conditioned designs, else
    Householder).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.ones(5), [1.0, 2.0, 3.0, 4.0, 5.0]])
    >>> r = qr_r(X, np.array([1.0, 3.0, 2.0, 5.0, 4.0]))
    >>> round(float(r[2, 2] ** 2), 6)  # residual sum of squares
    3.6
    """
    n, k = X.shape
    width = k + (y is not None)
    sw = None if weights is None else np.sqrt(np.asarray(weights, dtype=np.float64))

    def blocks():
        for start in range(0, n, block):
            stop = min(start + block, n)
            chunk = np.empty((stop - start, width))
            chunk[:, :k] = X[start:stop] if scale is None else X[start:stop] / scale
            if y is not None:
                chunk[:, k] = y[start:stop]
            if sw is not None:
                chunk *= sw[start:stop, None]
            yield chunk

    return qr_r_source(blocks, width, method=method)


def stack_r(factors: Sequence[np.ndarray]) -> np.ndarray:
    """The ``R`` factor of the union of samples, from each sample's ``R`` factor.

    ``[A_1; A_2; ...]`` has ``R`` equal to that of ``[R_1; R_2; ...]``, so
    pooling needs no rows.
    """
    return qr_r_blocks([np.vstack(list(factors))], factors[0].shape[1])


# --------------------------------------------------------------------------- rank rule


def aliased_columns(r: np.ndarray, tol: float = RANK_TOL) -> list[int]:
    """Columns of ``R`` that are (numerically) combinations of the columns before them.

    Column ``j`` is aliased when ``|R_jj| <= tol * ||x_j||``; ``||x_j||`` is the
    norm of column ``j`` of ``R`` (equal to that of ``X``).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.ones(4), [1.0, 2, 3, 4], [2.0, 4, 6, 8]])
    >>> aliased_columns(qr_r(X))
    [2]
    """
    norms = np.sqrt((r * r).sum(axis=0))
    diag = np.abs(np.diag(r))
    return [j for j in range(r.shape[1]) if norms[j] == 0.0 or diag[j] <= tol * norms[j]]


def check_rank(
    r: np.ndarray,
    names: Sequence[str],
    *,
    where: str | None = None,
    what: str = "term",
    tol: float = RANK_TOL,
) -> None:
    """Raise :class:`ModelError` naming the first zero or aliased column of ``R``."""
    norms = np.sqrt((r * r).sum(axis=0))
    for j in aliased_columns(r, tol):
        if norms[j] == 0.0:
            raise ModelError(
                f"{what} '{names[j]}' is zero in every row",
                where=where,
                fix="drop it from the model",
            )
        raise ModelError(
            f"{what} '{names[j]}' is perfectly collinear with earlier terms",
            where=where,
            fix="drop it or one of the variables it is a combination of",
        )


# --------------------------------------------------------------------------- fits


@dataclass(frozen=True, eq=False)
class LstsqFit:
    """A (weighted) least-squares solution and the pieces inference needs.

    Attributes
    ----------
    coef
        ``b = R^-1 Q'y`` (length ``k``).
    r_factor
        ``R`` (``k x k``) of ``sqrt(w) X = QR``.
    qty
        ``Q' sqrt(w) y``.
    ssr
        Weighted residual sum of squares ``sum w_i e_i^2``.
    nobs, rank
        Rows and numerical rank (always ``k``: aliased columns are refused).
    resid
        ``y - X b`` (unweighted), or None when not requested.
    """

    coef: np.ndarray
    r_factor: np.ndarray = field(repr=False)
    qty: np.ndarray = field(repr=False)
    ssr: float
    nobs: int
    rank: int
    resid: np.ndarray | None = field(default=None, repr=False)

    @property
    def k(self) -> int:
        return int(self.coef.size)

    @property
    def df_resid(self) -> int:
        """``n - k``."""
        return int(self.nobs - self.rank)

    @property
    def sigma2(self) -> float:
        """``ssr / df_resid`` (NaN without residual degrees of freedom)."""
        return self.ssr / self.df_resid if self.df_resid > 0 else float("nan")

    @cached_property
    def r_inv(self) -> np.ndarray:
        """``R^-1``."""
        return scipy.linalg.solve_triangular(self.r_factor, np.eye(self.k), check_finite=False)

    @cached_property
    def xtx_inv(self) -> np.ndarray:
        """``(X'W X)^-1 = R^-1 R^-T``."""
        return self.r_inv @ self.r_inv.T

    def cov(self, sigma2: float | None = None) -> np.ndarray:
        """Classical covariance ``sigma^2 (X'W X)^-1``."""
        return (self.sigma2 if sigma2 is None else sigma2) * self.xtx_inv


def fit_r(
    r_aug: np.ndarray,
    nobs: int,
    names: Sequence[str] | None = None,
    *,
    where: str | None = None,
    tol: float = RANK_TOL,
) -> LstsqFit:
    """Solve from the augmented factor ``R`` of ``[X | y]`` (from :func:`qr_r` or pooled).

    Parameters
    ----------
    r_aug
        ``(k + 1) x (k + 1)`` factor of ``[X | y]``.
    nobs
        Rows behind the factor.
    names
        Column names for the rank error (default ``x0, x1, ...``).
    where, tol
        Context of the rank error; tolerance of the rank rule.
    """
    k = r_aug.shape[1] - 1
    r, qty = r_aug[:k, :k], r_aug[:k, k]
    check_rank(
        r, list(names) if names is not None else [f"x{j}" for j in range(k)], where=where, tol=tol
    )
    coef = scipy.linalg.solve_triangular(r, qty, check_finite=False)
    return LstsqFit(
        coef=coef, r_factor=r, qty=qty, ssr=float(r_aug[k, k] ** 2), nobs=int(nobs), rank=k
    )


def lstsq(
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    names: Sequence[str] | None = None,
    where: str | None = None,
    residuals: bool = True,
    tol: float = RANK_TOL,
) -> LstsqFit:
    """(Weighted) least squares ``min_b sum_i w_i (y_i - x_i'b)^2`` by blocked Householder QR.

    Parameters
    ----------
    X
        Design, ``n x k``.
    y
        Response, length ``n``.
    weights
        Non-negative case weights (IRLS); None for ordinary least squares.
    names
        Column names used in the rank error.
    where
        Context of the rank error (formula or data name).
    residuals
        Also compute ``y - X b``; the residual sum of squares comes from the
        factor either way.
    tol
        Tolerance of the rank rule (see the module docstring).

    Returns
    -------
    LstsqFit

    Raises
    ------
    ModelError
        When there are no more rows than columns, or a column is zero or aliased.

    Examples
    --------
    Longley's (1967) data, the NIST StRD benchmark: the certified coefficients
    of ``GNPDEFL`` and ``GNP`` in ``TOTEMP ~ .`` are 15.0618722713733 and
    -0.0358191792925910; the QR solution reproduces them:

    >>> import numpy as np
    >>> from statsmodels.datasets import longley
    >>> d = longley.load_pandas().data
    >>> X = np.column_stack([np.ones(len(d)), d.drop(columns="TOTEMP").to_numpy()])
    >>> fit = lstsq(X, d["TOTEMP"].to_numpy())
    >>> round(float(fit.coef[1]), 8), round(float(fit.coef[2]), 10)
    (15.06187227, -0.0358191793)
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, k = X.shape
    if n <= k:
        raise ModelError(
            f"{n} rows but {k} parameters: a model needs more rows than parameters",
            where=where,
            fix="drop terms or supply more data",
        )
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (n,) or not np.all(np.isfinite(weights)) or (weights < 0).any():
            raise ModelError("weights must be finite, non-negative and one per row", where=where)
    fit = fit_r(qr_r(X, y, weights), n, names, where=where, tol=tol)
    if residuals:
        return LstsqFit(
            coef=fit.coef,
            r_factor=fit.r_factor,
            qty=fit.qty,
            ssr=fit.ssr,
            nobs=fit.nobs,
            rank=fit.rank,
            resid=y - X @ fit.coef,
        )
    return fit

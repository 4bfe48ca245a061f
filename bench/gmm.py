"""Benchmark: two-step system GMM on a 30 x 10 panel (the size of study S2).

Run ``python bench/gmm.py``.

Data: a seeded dynamic panel, 30 units x 10 periods, ``y = 0.5 L.y + 0.3 x + a_i + e``
with a mean-stationary start. Model: ``smekit.analysis.gmm.dynamic_gmm(
"y ~ L.y + x", gmm="L(2:).y", transform="system", steps=2, time_effects=True)``,
the whole call (building the instruments, one- and two-step estimates,
Windmeijer SEs, AR(1)/AR(2), Hansen, Sargan, difference-in-Hansen), median of
20 runs after a warm-up; once with the full instrument set, once collapsed.
Reference in the same run: one ``pyfixest.feols("y ~ x | id + t")`` fit of the
same panel (a static two-way FE model; there is no maintained Python
dynamic-panel GMM to compare with: pydynpd fails on NumPy >= 2.4), to put the
time on the scale of a routine panel fit.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
import pandas as pd


def _panel(n: int = 30, t: int = 10, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        a = rng.normal()
        y = a / 0.5 + rng.normal(0, 1 / np.sqrt(0.75))
        for s in range(t):
            x = rng.normal()
            y = 0.5 * y + 0.3 * x + a + rng.normal()
            rows.append((i, 2013 + s, y, x))
    return pd.DataFrame(rows, columns=["id", "t", "y", "x"])


def _median(f, reps: int = 20) -> float:
    f()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main() -> None:
    import pyfixest as pf

    from smekit.analysis.gmm import dynamic_gmm

    warnings.simplefilter("ignore")
    d = _panel()
    kw = dict(transform="system", steps=2, time_effects=True)
    full = dynamic_gmm(d, "id", "t", "y ~ L.y + x", "L(2:).y", **kw)
    t_full = _median(lambda: dynamic_gmm(d, "id", "t", "y ~ L.y + x", "L(2:).y", **kw))
    t_col = _median(
        lambda: dynamic_gmm(d, "id", "t", "y ~ L.y + x", "L(2:).y", collapse=True, **kw)
    )
    t_fe = _median(lambda: pf.feols("y ~ x | id + t", data=d))
    print(f"panel: {d['id'].nunique()} units x {d['t'].nunique()} periods")
    print(
        f"system GMM, two-step, {full.n_instruments} instruments: {t_full * 1000:.1f} ms "
        f"(median of 20)   target < 200 ms"
    )
    print(f"system GMM, two-step, collapsed: {t_col * 1000:.1f} ms")
    print(f"reference: pyfixest two-way FE fit of the same panel: {t_fe * 1000:.1f} ms")
    print(f"ratio GMM / FE fit: {t_full / t_fe:.1f}x (full), {t_col / t_fe:.1f}x (collapsed)")


if __name__ == "__main__":
    main()

"""Benchmark: two-way FE with clustered SEs at 1,000,000 rows x 10,000 units, and the panel
mediation cluster bootstrap.

Run ``python bench/panel.py [--quick]`` (``--quick``: 100,000 rows x 1,000 units).

TWFE: ``smekit.analysis.panel_fe.fit_panel(frame, "y ~ x1 + x2 + x3", unit, time,
cluster=unit)`` (panel checks, listwise deletion log, pyfixest fit, clustered and
classical covariances, result as Estimates) against ``pyfixest.feols("y ~ x1 + x2 +
x3 | unit + time", vcov={"CRV1": "unit"})`` followed by ``.se()`` alone (default
options, and ``lean=True``, which smekit passes since it keeps no data on the fit), on the same
seeded balanced panel of 10,000 units x 100 periods. Both sides are warmed up
(numba/Rust kernels compiled, libraries imported) before the clock starts; the two
are run 5 times each, interleaved, and the medians are compared.

Mediation: the vectorised cluster bootstrap of
``smekit.analysis.panel_mediation.panel_mediation`` (2,000 resamples of the 30 x 10
demo-sized panel) against a loop that rebuilds each resampled panel and refits the
two bootstrap regressions with ``pyfixest.feols`` (50 resamples timed; the ratio is
per resample). Results are printed and written to ``bench/out/panel.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).parent / "out"


def panel(n_units: int, n_periods: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_units * n_periods
    u = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(n_periods), n_units)
    a = rng.normal(size=n_units)[u]
    g = rng.normal(size=n_periods)[t]
    x = rng.normal(size=(n, 3)) + a[:, None] * 0.5
    y = x @ np.array([0.5, -0.2, 0.1]) + a + g + rng.normal(size=n)
    return pd.DataFrame({"unit": u, "time": t, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "y": y})


def bench_twfe(n_units: int, n_periods: int, reps: int = 5) -> dict:
    import pyfixest as pf

    from smekit.analysis.panel_fe import fit_panel

    d = panel(n_units, n_periods)
    warm = d.head(2000)
    pf.feols("y ~ x1 + x2 + x3 | unit + time", data=warm, vcov={"CRV1": "unit"}).se()
    fit_panel(warm, "y ~ x1 + x2 + x3", "unit", "time", cluster="unit")
    ours, base, lean = [], [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        m = pf.feols("y ~ x1 + x2 + x3 | unit + time", data=d, vcov={"CRV1": "unit"})
        se_pf = m.se().to_numpy()
        base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        pf.feols("y ~ x1 + x2 + x3 | unit + time", data=d, vcov={"CRV1": "unit"}, lean=True).se()
        lean.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        f = fit_panel(d, "y ~ x1 + x2 + x3", "unit", "time", cluster="unit")
        ours.append(time.perf_counter() - t0)
    assert np.allclose(f.clustered.bse.to_numpy(), se_pf, rtol=1e-10)
    return {
        "rows": len(d),
        "units": n_units,
        "smekit_s": statistics.median(ours),
        "pyfixest_s": statistics.median(base),
        "pyfixest_lean_s": statistics.median(lean),
        "ratio": statistics.median(ours) / statistics.median(base),
        "ratio_lean": statistics.median(ours) / statistics.median(lean),
    }


def bench_mediation(n_boot: int = 2000, n_loop: int = 50) -> dict:
    import pyfixest as pf

    from smekit.analysis.panel_mediation import panel_mediation

    rng = np.random.default_rng(1)
    G, T = 30, 10
    u, t = np.repeat(np.arange(G), T), np.tile(np.arange(T), G)
    x = rng.normal(size=G * T) + 0.1 * u
    m = 0.5 * x + rng.normal(size=G * T)
    y = 0.3 * x + 0.8 * m + rng.normal(size=G * T)
    d = pd.DataFrame({"u": u, "t": t, "x": x, "m": m, "y": y})
    panel_mediation(d, "x", "m", "y", "u", "t", n_boot=200, seed=0)
    t0 = time.perf_counter()
    panel_mediation(d, "x", "m", "y", "u", "t", n_boot=n_boot, seed=0)
    ours = time.perf_counter() - t0
    idx = np.random.default_rng(0).integers(0, G, size=(n_loop, G))
    groups = {g: d[d.u == g] for g in range(G)}
    t0 = time.perf_counter()
    for row in idx:
        b = pd.concat([groups[g].assign(u=k) for k, g in enumerate(row)], ignore_index=True)
        pf.feols("m ~ x | u + t", data=b).coef()
        pf.feols("y ~ x + m | u + t", data=b).coef()
    loop = time.perf_counter() - t0
    return {
        "n_boot": n_boot,
        "smekit_s": ours,
        "loop_resamples": n_loop,
        "loop_s": loop,
        "speedup_per_resample": (loop / n_loop) / (ours / n_boot),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    units, periods = (1_000, 100) if args.quick else (10_000, 100)
    tw = bench_twfe(units, periods)
    print(
        f"TWFE clustered, {tw['rows']:,} rows x {tw['units']:,} units: smekit "
        f"{tw['smekit_s']:.2f} s, pyfixest alone {tw['pyfixest_s']:.2f} s, ratio "
        f"{tw['ratio']:.2f}; pyfixest lean=True {tw['pyfixest_lean_s']:.2f} s, ratio "
        f"{tw['ratio_lean']:.2f}"
    )
    md = bench_mediation()
    print(
        f"panel mediation bootstrap: {md['n_boot']} resamples in {md['smekit_s']:.2f} s; "
        f"pyfixest refit loop {md['loop_s']:.2f} s for {md['loop_resamples']} resamples; "
        f"{md['speedup_per_resample']:.0f}x faster per resample"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "panel.json").write_text(json.dumps({"twfe": tw, "mediation": md}, indent=2) + "\n")


if __name__ == "__main__":
    main()

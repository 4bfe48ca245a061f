"""Benchmark: the regression suite at 300, 100,000 and 1,000,000 rows, and mediation at n = 300.

Run ``python bench/regression_suite.py [--quick]`` (``--quick``: 300 and 100,000 rows only).

Suite: ``smekit.analysis.suite.run_suite`` with its defaults, as ``smekit
analyze`` and ``smekit regress`` run it (OLS, assumption tests, RESET, VIF,
influence with DFBETAS, which is read inside the clock, refit without flagged
cases, Huber, bisquare and median regression, three subgroup models with their
equality test) on seeded synthetic data with 8 numeric predictors, next to the
same steps called one by one from statsmodels in the same run:
``smf.ols().fit()``, ``variance_inflation_factor`` per predictor,
``linear_reset(power=3, use_f=True)``, ``het_breuschpagan``, ``het_white``,
``durbin_watson``, ``jarque_bera``, ``linear_rainbow``, ``scipy.stats.shapiro``
(skipped above 5,000 rows, where scipy's p-value is not defined), ``OLSInfluence``
Cook's distance and leverages, ``RLM(M=HuberT())`` and ``RLM(M=TukeyBiweight())``
run for as many IRLS iterations as smekit's fits needed under R's stopping rule
(``MASS::rlm``: relative residual change below 1e-4; statsmodels' own default
rule would run Huber far longer), ``QuantReg(q=0.5)`` and one OLS per group.

Each suite time is also printed as a multiple of one ``numpy.linalg.qr`` (reduced
mode) of the same ``n x 9`` design timed in the same process, and the BLAS
library and thread count (threadpoolctl) are printed with the results.

statsmodels' ``OLSInfluence`` gets the externally studentised residuals, DFFITS
and DFBETAS from a leave-one-out loop that refits the model ``n`` times (one
shared loop). That loop is run at n = 300 only; for larger ``n`` its time is
extrapolated, never measured, in two ways: ``n`` times the per-refit cost
measured at n = 300 (a lower bound, since each refit costs more on more rows),
and ``n`` times the cost of one leave-one-out refit timed at that ``n``.

Mediation: ``smekit.analysis.mediation.mediation`` with 5,000 bootstrap
resamples at n = 300 (median of 7 runs after one warm-up) against
``pingouin.mediation_analysis(n_boot=5000, seed=0)`` (median of 3).

Each measured step runs in a fresh process; the suite is run three times per
size on each side (statsmodels once at 1,000,000 rows), interleaved, and the
median time and the largest peak memory are reported. Both sides import their
libraries, including the formula parser, before the clock starts. Peak memory
is the increase of the resident set size over its value just before the step
(after imports and data generation): the kernel's peak-RSS mark (``VmHWM``) is
reset through ``/proc/self/clear_refs`` before the step and read after it. Results
are printed as a table and written to ``bench/out/regression_suite.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).parent / "out"
PREDICTORS = [f"x{j}" for j in range(1, 9)]
BETA = np.array([0.5, -0.3, 0.2, 0.0, 0.4, -0.1, 0.25, 0.15])
INTERCEPT = 2.0
GROUPS = np.array(["manufacturing", "retail", "services"])
FORMULA = "y ~ " + " + ".join(PREDICTORS)
SIZES = (300, 100_000, 1_000_000)
QUICK_SIZES = (300, 100_000)
SHAPIRO_MAX = 5000
N_BOOT = 5000
TARGET_SECONDS, TARGET_MB = 3.0, 512.0  # default suite at 1,000,000 rows
MEDIATION_TARGET = 0.1  # seconds at n = 300
STEP_TIMEOUT = 300
REPEATS = 3  # fresh-process runs per size (statsmodels: 1 at 1,000,000 rows)


# -- data ----------------------------------------------------------------------------------
def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    """Eight correlated normal predictors, a 3-level group (equal sizes), y = 2 + X beta + e."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    X = rng.normal(size=(n, len(PREDICTORS))) + 0.5 * common
    e = rng.normal(size=n)
    frame = pd.DataFrame(X, columns=PREDICTORS)
    frame.insert(0, "firm_id", np.arange(1, n + 1))
    frame["sector"] = GROUPS[rng.permutation(np.arange(n) % len(GROUPS))]  # equal sizes
    frame["y"] = INTERCEPT + X @ BETA + e
    return frame


def make_mediation_data(n: int = 300, seed: int = 2) -> pd.DataFrame:
    """``m = 0.5 x + e_m``, ``y = 0.4 m + 0.2 x + e_y``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    y = 0.4 * m + 0.2 * x + rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": m, "y": y})


# -- memory --------------------------------------------------------------------------------
def _status_mb(key: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


class PeakMemory:
    """RSS just before a step and the peak RSS during it (MB)."""

    def __enter__(self) -> PeakMemory:
        gc.collect()
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")  # reset the peak-RSS mark (VmHWM) to the current RSS
            self.method = "VmHWM reset via /proc/self/clear_refs"
        except OSError:
            self.method = "ru_maxrss (peak of the whole process; not reset)"
        self.baseline = _status_mb("VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        hwm = _status_mb("VmHWM")
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.peak = hwm if self.method.startswith("VmHWM") else maxrss
        self.increase = self.peak - self.baseline


def _timed(stages: dict[str, float], name: str, fn):
    t = time.perf_counter()
    out = fn()
    stages[name] = round(time.perf_counter() - t, 4)
    return out


# -- steps (each runs in its own process) --------------------------------------------------
def step_smekit(n: int) -> dict:
    import formulaic  # noqa: F401  smekit loads it lazily; statsmodels' formula API at import

    from smekit.analysis.suite import run_suite

    data = make_data(n)
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        suite = run_suite(data, FORMULA, id_column="firm_id", subgroup="sector")  # defaults
        dfbetas = suite.influence.dfbetas  # computed on first use: inside the clock
        seconds = time.perf_counter() - t0
    assert suite.n == n and dfbetas.shape == (n, len(PREDICTORS) + 1)
    assert suite.bisquare is not None and suite.median is not None
    assert suite.subgroups is not None and len(suite.subgroups.levels) == len(GROUPS)
    out = {
        "seconds": seconds,
        "rss_before_mb": mem.baseline,
        "peak_rss_mb": mem.peak,
        "peak_increase_mb": mem.increase,
        "memory_method": mem.method,
        "params": {k: float(v) for k, v in suite.ols.params.items()},
        "huber_params": {k: float(v) for k, v in suite.huber.params.items()},
        "vif": {k: float(v) for k, v in suite.collinearity.vif.items()},
        "reset_f": float(suite.reset.fstat),
        "huber_iterations": int(suite.huber.n_iter),
        "bisquare_iterations": int(suite.bisquare.n_iter),
        "qr_seconds": _qr_seconds(data),
        "blas": _blas(),
    }
    out["suite_over_qr"] = seconds / out["qr_seconds"]
    del suite, dfbetas
    out["stages"] = _smekit_stages(data)
    return out


def _qr_seconds(data: pd.DataFrame, repeats: int = 3) -> float:
    """Median time of one ``numpy.linalg.qr`` (reduced) of the suite's ``n x 9`` design."""
    X = np.column_stack([np.ones(len(data)), data[PREDICTORS].to_numpy(dtype=np.float64)])
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        np.linalg.qr(X)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _blas() -> list[dict]:
    """BLAS libraries numpy/scipy use and their thread counts (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    return [
        {
            "library": i.get("internal_api"),
            "threads": i.get("num_threads"),
            "architecture": i.get("architecture"),
            "version": i.get("version"),
        }
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]


def _smekit_stages(data: pd.DataFrame) -> dict[str, float]:
    """Time each part of the suite separately (after the measured run; time only)."""
    from smekit.analysis.assumptions import check_assumptions
    from smekit.analysis.collinearity import collinearity
    from smekit.analysis.design import build_design
    from smekit.analysis.influence import influence, refit_without_flagged
    from smekit.analysis.ols import fit_ols
    from smekit.analysis.reset import reset_test
    from smekit.analysis.robust import fit_bisquare, fit_huber, fit_median
    from smekit.analysis.subgroups import subgroup_models

    s: dict[str, float] = {}
    design = _timed(s, "design", lambda: build_design(data, FORMULA, "firm_id"))
    ols = _timed(s, "ols", lambda: fit_ols(design))
    _timed(s, "assumptions", lambda: check_assumptions(ols, seed=0))
    _timed(s, "vif", lambda: collinearity(ols))
    _timed(s, "reset", lambda: reset_test(ols))
    infl = _timed(s, "influence", lambda: influence(ols))
    _timed(s, "dfbetas", lambda: infl.dfbetas)
    _timed(s, "refit_without_flagged", lambda: refit_without_flagged(ols, infl))
    _timed(s, "huber", lambda: fit_huber(design))
    _timed(s, "bisquare", lambda: fit_bisquare(design))
    _timed(s, "median", lambda: fit_median(design))
    _timed(
        s,
        "subgroups",
        lambda: subgroup_models(data, design, "sector", id_column="firm_id"),
    )
    return s


def step_statsmodels(n: int, huber_iter: int = 20, bisquare_iter: int = 20) -> dict:
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from scipy import stats
    from statsmodels.stats import diagnostic as dg
    from statsmodels.stats.outliers_influence import OLSInfluence, variance_inflation_factor
    from statsmodels.stats.stattools import durbin_watson, jarque_bera

    data = make_data(n)
    s: dict[str, float] = {}
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        res = _timed(s, "ols", lambda: smf.ols(FORMULA, data).fit())
        exog = res.model.exog
        vif = _timed(
            s,
            "vif",
            lambda: [variance_inflation_factor(exog, j) for j in range(1, exog.shape[1])],
        )
        reset = _timed(s, "reset", lambda: dg.linear_reset(res, power=3, use_f=True))
        _timed(s, "breusch_pagan", lambda: dg.het_breuschpagan(res.resid, exog))
        _timed(s, "white", lambda: dg.het_white(res.resid, exog))
        _timed(s, "durbin_watson", lambda: durbin_watson(res.resid))
        _timed(s, "jarque_bera", lambda: jarque_bera(res.resid))
        _timed(s, "rainbow", lambda: dg.linear_rainbow(res))
        if n <= SHAPIRO_MAX:
            _timed(s, "shapiro", lambda: stats.shapiro(res.resid))

        def infl() -> None:
            inf = OLSInfluence(res)
            _ = inf.cooks_distance, inf.hat_matrix_diag

        _timed(s, "influence_closed_form", infl)
        # R's stopping rule stops smekit after huber_iter / bisquare_iter steps; tol=0
        # makes statsmodels run exactly that many instead of its own (longer) default.
        huber = _timed(
            s,
            "huber",
            lambda: sm.RLM(res.model.endog, exog, M=sm.robust.norms.HuberT()).fit(
                maxiter=huber_iter, tol=0.0
            ),
        )
        _timed(
            s,
            "bisquare",
            lambda: sm.RLM(res.model.endog, exog, M=sm.robust.norms.TukeyBiweight()).fit(
                maxiter=bisquare_iter, tol=0.0
            ),
        )
        _timed(s, "median", lambda: sm.QuantReg(res.model.endog, exog).fit(q=0.5))

        def groups() -> None:
            for _, sub in data.groupby("sector"):
                smf.ols(FORMULA, sub).fit()

        _timed(s, "subgroups", groups)
        seconds = time.perf_counter() - t0
    out = {
        "seconds": seconds,
        "rss_before_mb": mem.baseline,
        "peak_rss_mb": mem.peak,
        "peak_increase_mb": mem.increase,
        "memory_method": mem.method,
        "stages": s,
        "params": {k: float(v) for k, v in res.params.items()},
        "huber_params": dict(zip(res.params.index, map(float, huber.params), strict=True)),
        "vif": dict(zip(PREDICTORS, map(float, vif), strict=True)),
        "reset_f": float(reset.fvalue),
        "shapiro_skipped": n > SHAPIRO_MAX,
    }
    # One leave-one-out refit as OLSInfluence._res_looo does it (timed, not in the total).
    endog = res.model.endog
    keep = np.ones(n, dtype=bool)
    keep[0] = False
    reps = 3 if n > 100_000 else 10
    t = time.perf_counter()
    for _ in range(reps):
        r = sm.OLS(endog[keep], exog[keep]).fit()
        np.linalg.det(r.cov_params())
    out["one_loo_refit_seconds"] = (time.perf_counter() - t) / reps
    return out


def step_statsmodels_loo(n: int) -> dict:
    """statsmodels' leave-one-out influence measures (n refits; run at small n only)."""
    import statsmodels.formula.api as smf
    from statsmodels.stats.outliers_influence import OLSInfluence

    data = make_data(n)
    res = smf.ols(FORMULA, data).fit()
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        inf = OLSInfluence(res)
        _ = inf.resid_studentized_external, inf.dffits, inf.dfbetas
        seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "per_refit_seconds": seconds / n,
        "peak_increase_mb": mem.increase,
        "memory_method": mem.method,
    }


def step_mediation_smekit(n: int) -> dict:
    from smekit.analysis.mediation import mediation

    data = make_mediation_data(n)
    with PeakMemory() as mem:
        mediation(data, "x", "m", "y", n_boot=N_BOOT, seed=0)  # warm-up
    times = []
    for _ in range(7):
        t = time.perf_counter()
        res = mediation(data, "x", "m", "y", n_boot=N_BOOT, seed=0)
        times.append(time.perf_counter() - t)
    return {
        "seconds": statistics.median(times),
        "runs": times,
        "peak_increase_mb": mem.increase,
        "memory_method": mem.method,
        "indirect": float(res.indirect),
    }


def step_mediation_pingouin(n: int) -> dict:
    import pingouin as pg

    data = make_mediation_data(n)
    times = []
    mem = None
    for i in range(3):
        t = time.perf_counter()
        if i == 0:
            with PeakMemory() as mem:
                tab = pg.mediation_analysis(data, x="x", m="m", y="y", n_boot=N_BOOT, seed=0)
        else:
            tab = pg.mediation_analysis(data, x="x", m="m", y="y", n_boot=N_BOOT, seed=0)
        times.append(time.perf_counter() - t)
    indirect = float(tab.loc[tab["path"] == "Indirect", "coef"].iloc[0])
    return {
        "seconds": statistics.median(times),
        "runs": times,
        "peak_increase_mb": mem.increase,
        "memory_method": mem.method,
        "indirect": indirect,
    }


STEPS = {
    "smekit": step_smekit,
    "statsmodels": step_statsmodels,
    "statsmodels_loo": step_statsmodels_loo,
    "mediation_smekit": step_mediation_smekit,
    "mediation_pingouin": step_mediation_pingouin,
}


# -- driver --------------------------------------------------------------------------------
def run_step(step: str, n: int, timeout: int = STEP_TIMEOUT, extra: tuple = ()) -> dict:
    """Run one step in a fresh interpreter; a timeout or crash is recorded, not raised."""
    cmd = [sys.executable, __file__, "--step", step, "--n", str(n), *map(str, extra)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cpu_ticks() -> list[int]:
    """Aggregate CPU ticks from /proc/stat: user nice system idle iowait irq softirq steal."""
    with open("/proc/stat") as fh:
        return [int(v) for v in fh.readline().split()[1:9]]


def memory_probe() -> float:
    """Seconds to allocate and first touch 1 GiB in a fresh process (machine noise gauge)."""
    code = (
        "import time, numpy as np; t = time.perf_counter(); a = np.ones(2**27); "
        "print(time.perf_counter() - t)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return float(proc.stdout.strip()) if proc.returncode == 0 else float("nan")


def combine(runs: list[dict]) -> dict:
    """Median time over fresh-process runs, largest peak; the median run's other fields."""
    ok = [r for r in runs if "seconds" in r]
    if not ok:
        return runs[-1]
    ok.sort(key=lambda r: r["seconds"])
    out = dict(ok[(len(ok) - 1) // 2])
    out["seconds"] = statistics.median(r["seconds"] for r in ok)
    out["peak_increase_mb"] = max(r["peak_increase_mb"] for r in ok)
    out["runs_seconds"] = [r["seconds"] for r in runs if "seconds" in r]
    if all("suite_over_qr" in r for r in ok):
        out["suite_over_qr"] = statistics.median(r["suite_over_qr"] for r in ok)
        out["qr_seconds"] = statistics.median(r["qr_seconds"] for r in ok)
    out["runs_peak_increase_mb"] = [r["peak_increase_mb"] for r in ok]
    out["failed_runs"] = [r["error"] for r in runs if "error" in r]
    return out


def _max_diff(a: dict, b: dict) -> float | None:
    keys = [k for k in a if k in b]
    return max(abs(a[k] - b[k]) for k in keys) if keys else None


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 and 100,000 rows only")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=300, help=argparse.SUPPRESS)
    parser.add_argument("--huber-iter", type=int, default=20, help=argparse.SUPPRESS)
    parser.add_argument("--bisquare-iter", type=int, default=20, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "statsmodels":
        print(json.dumps(step_statsmodels(args.n, args.huber_iter, args.bisquare_iter)))
        return
    if args.step:
        print(json.dumps(STEPS[args.step](args.n)))
        return

    OUT.mkdir(exist_ok=True)
    load_before = os.getloadavg()
    ticks_before = _cpu_ticks()
    probe_before = memory_probe()
    sizes = QUICK_SIZES if args.quick else SIZES
    results: dict = {
        "formula": FORMULA,
        "predictors": len(PREDICTORS),
        "groups": len(GROUPS),
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "memory": "peak RSS during the step minus RSS just before it (after imports and data)",
        "suite": [],
    }
    loo = run_step("statsmodels_loo", 300)
    results["statsmodels_loo_300"] = loo
    per_refit = loo.get("per_refit_seconds")
    for n in sizes:
        print(f"n = {n:,} ...", flush=True)
        runs: dict[str, list[dict]] = {"smekit": [], "statsmodels": []}
        for r in range(REPEATS):  # interleaved, so both sides see the same machine load
            runs["smekit"].append(run_step("smekit", n))
            last = runs["smekit"][-1]
            iters = (last.get("huber_iterations", 20), last.get("bisquare_iterations", 20))
            if r < (1 if n >= 1_000_000 else REPEATS):
                extra = ("--huber-iter", iters[0], "--bisquare-iter", iters[1])
                runs["statsmodels"].append(run_step("statsmodels", n, extra=extra))
        smk, stm = combine(runs["smekit"]), combine(runs["statsmodels"])
        row = {"n": n, "smekit": smk, "statsmodels": stm}
        if "params" in smk and "params" in stm:
            row["max_abs_diff_ols_params"] = _max_diff(smk["params"], stm["params"])
            row["max_abs_diff_huber_params"] = _max_diff(smk["huber_params"], stm["huber_params"])
            row["max_abs_diff_vif"] = _max_diff(smk["vif"], stm["vif"])
            row["abs_diff_reset_f"] = abs(smk["reset_f"] - stm["reset_f"])
        if n == 300 and "seconds" in loo:
            row["statsmodels_loo_seconds"] = loo["seconds"]
            row["statsmodels_loo_measured"] = True
        elif per_refit is not None:
            row["statsmodels_loo_seconds_extrapolated_from_n300"] = per_refit * n
            if "one_loo_refit_seconds" in stm:
                row["statsmodels_loo_seconds_extrapolated_at_n"] = stm["one_loo_refit_seconds"] * n
            row["statsmodels_loo_measured"] = False
        if n == max(SIZES):
            row["target_met"] = (
                "seconds" in smk
                and smk["seconds"] < TARGET_SECONDS
                and smk["peak_increase_mb"] < TARGET_MB
            )
        results["suite"].append(row)
    print("mediation ...", flush=True)
    med_s = run_step("mediation_smekit", 300)
    med_p = run_step("mediation_pingouin", 300)
    results["mediation"] = {
        "n": 300,
        "n_boot": N_BOOT,
        "smekit": med_s,
        "pingouin": med_p,
        "target_met": "seconds" in med_s and med_s["seconds"] < MEDIATION_TARGET,
    }
    results["load_after"] = os.getloadavg()
    ticks = [b - a for a, b in zip(ticks_before, _cpu_ticks(), strict=True)]
    results["cpu_steal_percent"] = 100.0 * ticks[7] / max(1, sum(ticks))
    results["cpu_busy_percent"] = 100.0 * (sum(ticks) - ticks[3] - ticks[4]) / max(1, sum(ticks))
    results["first_touch_1gib_seconds"] = [probe_before, memory_probe()]
    (OUT / "regression_suite.json").write_text(json.dumps(results, indent=2))
    print_table(results)


def print_table(results: dict) -> None:
    head = (
        f"{'step':<38}{'n':>10}{'smekit s':>10}{'smekit MB':>11}"
        f"{'statsm. s':>11}{'statsm. MB':>12}{'ratio':>8}  target"
    )
    probe = results["first_touch_1gib_seconds"]
    print(
        f"\nregression suite, {results['predictors']} predictors, {results['groups']} groups\n"
        f"machine: {results['cpus']} cpus, load {results['load_before'][0]:.2f} before, "
        f"{results['load_after'][0]:.2f} after; cpu busy {results['cpu_busy_percent']:.0f}%, "
        f"steal {results['cpu_steal_percent']:.1f}%; first touch of 1 GiB "
        f"{probe[0]:.2f} s before, {probe[1]:.2f} s after"
    )
    blas = next((r["smekit"].get("blas") for r in results["suite"] if "blas" in r["smekit"]), [])
    print(
        "BLAS: "
        + (
            "; ".join(
                f"{b['library']} {b['version']} ({b['architecture']}), {b['threads']} threads"
                for b in blas
            )
            or "unknown"
        )
        + f"; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}"
    )
    print(
        f"times: median of {REPEATS} fresh-process runs (statsmodels at 1,000,000 rows: 1 run); "
        "MB: largest peak RSS increase over the RSS just before the step (after imports and data)"
    )
    print(head)
    print("-" * len(head))

    def line(step, n, s_t, s_m, b_t, b_m, target="") -> None:
        ratio = b_t / s_t if s_t and b_t is not None else None
        print(
            f"{step:<38}{n:>10,}{_fmt(s_t, '.3f'):>10}{_fmt(s_m, '.0f'):>11}"
            f"{_fmt(b_t, '.3f'):>11}{_fmt(b_m, '.0f'):>12}{_fmt(ratio, '.1f'):>8}  {target}"
        )

    for row in results["suite"]:
        n, smk, stm = row["n"], row["smekit"], row["statsmodels"]
        target = ""
        if "target_met" in row:
            target = f"{'met' if row['target_met'] else 'NOT met'} (< 3 s, < 512 MB)"
        line(
            "suite (statsmodels: no LOO measures)",
            n,
            smk.get("seconds"),
            smk.get("peak_increase_mb"),
            stm.get("seconds"),
            stm.get("peak_increase_mb"),
            target,
        )
        if "suite_over_qr" in smk:
            print(
                f"    smekit suite = {smk['suite_over_qr']:.1f} x one numpy.linalg.qr of the "
                f"n x {len(PREDICTORS) + 1} design ({smk['qr_seconds']:.3f} s, same process)"
            )
        for side, res in (("smekit", smk), ("statsmodels", stm)):
            if "error" in res:
                print(f"    {side}: {res['error']}")
        if row.get("statsmodels_loo_measured"):
            line(
                "  statsmodels LOO loop, measured",
                n,
                None,
                None,
                row["statsmodels_loo_seconds"],
                results["statsmodels_loo_300"].get("peak_increase_mb"),
            )
        elif "statsmodels_loo_seconds_extrapolated_from_n300" in row:
            line(
                "  statsmodels LOO loop, EXTRAPOLATED",
                n,
                None,
                None,
                row["statsmodels_loo_seconds_extrapolated_from_n300"],
                None,
                "n x per-refit cost at n=300 (lower bound)",
            )
            if "statsmodels_loo_seconds_extrapolated_at_n" in row:
                line(
                    "  statsmodels LOO loop, EXTRAPOLATED",
                    n,
                    None,
                    None,
                    row["statsmodels_loo_seconds_extrapolated_at_n"],
                    None,
                    "n x one refit timed at this n",
                )
        if "max_abs_diff_ols_params" in row:
            print(
                f"    agreement: |OLS b| {row['max_abs_diff_ols_params']:.1e}, "
                f"|Huber b| {row['max_abs_diff_huber_params']:.1e}, "
                f"|VIF| {row['max_abs_diff_vif']:.1e}, |RESET F| {row['abs_diff_reset_f']:.1e}"
            )
    med = results["mediation"]
    ms, mp = med["smekit"], med["pingouin"]
    line(
        f"mediation ({med['n_boot']} resamples) vs pingouin",
        med["n"],
        ms.get("seconds"),
        ms.get("peak_increase_mb"),
        mp.get("seconds"),
        mp.get("peak_increase_mb"),
        f"{'met' if med['target_met'] else 'NOT met'} (< 0.1 s)",
    )
    for side, res in (("smekit", ms), ("pingouin", mp)):
        if "error" in res:
            print(f"    {side}: {res['error']}")
    print(
        "statsmodels' OLSInfluence computes externally studentised residuals, DFFITS and "
        "DFBETAS by refitting the model n times (one shared loop); smekit computes them in "
        "closed form inside the suite."
    )
    for row in results["suite"]:
        for side in ("smekit", "statsmodels"):
            st = row[side].get("stages")
            if st:
                print(
                    f"stages {side:<11} n={row['n']:<9,} "
                    + ", ".join(f"{k} {v:.3f}" for k, v in st.items())
                )


if __name__ == "__main__":
    main()

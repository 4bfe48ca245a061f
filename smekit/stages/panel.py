"""The S2 panel stages of ``smekit analyze``: preparation, indices, fixed effects, IV,
mediation and heterogeneity on ``panels.s2``, written under ``results/panel/``.

Outputs (``results/panel/``): ``preparation.csv`` (every changed or dropped
cell with its reason), ``index_weights.csv`` (entropy weights, PCA eigenvalues
or z-score moments of the regressor, alternative and outcome indices),
``index_loadings_<index>.csv`` (PCA), ``scores.parquet``; tables ``baseline``
(four columns), ``robustness``, ``iv`` (first stage and 2SLS, Stock-Yogo in
the note), ``mediation_<mediator>``, ``heterogeneity_region`` and
``heterogeneity_policy`` in ``.md``, ``.html`` and ``.docx``;
``iv_first_stage.csv``/``.md``, ``mediation.csv``, ``heterogeneity.csv``;
``panel.json`` with every number (KMO and Bartlett under ``indices``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smekit.context import RunContext, Stage
from smekit.stages.panel_common import has_panel, prepare, read_panel
from smekit.study import StudyConfig


def _has_s2(config: StudyConfig) -> bool:
    return has_panel(config, "s2")


def _z(x: pd.Series) -> pd.Series:
    return (x - x.mean()) / x.std(ddof=0)


def _write_table(ctx: RunContext, table: Any, name: str) -> None:
    ctx.write_text(table.to_markdown(), f"panel/{name}.md")
    ctx.write_text(table.to_html(), f"panel/{name}.html")
    path = ctx.out / "panel" / f"{name}.docx"
    table.to_docx(path)
    ctx.outputs.append(path)


def _index(method: str, frame: pd.DataFrame, cols: list[str], negative: list[str], by, name):
    from smekit.analysis.indices import entropy_index, pca_index, zscore_index

    neg = [c for c in negative if c in cols]
    if method == "entropy":
        return entropy_index(frame, cols, negative=neg, by=by, name=name)
    if method == "zscore":
        return zscore_index(frame, cols, negative=neg, by=by, name=name)
    return pca_index(frame, cols, negative=neg, name=name)


def run_prepare(ctx: RunContext) -> None:
    """Read the panel, interpolate, drop long-gap units, winsorise, log; build the indices."""

    cfg = ctx.study.config.panels.s2
    core = [c for cols in cfg.indicators.values() for c in cols]
    outc = [c for cols in cfg.outcome_indicators.values() for c in cols]
    needed = [*core, *outc, *cfg.controls, *cfg.mediators]
    needed += [c for c in (cfg.extra_control, cfg.outcome, cfg.regressor) if c and c != "index"]
    raw, path = read_panel(ctx, "s2", needed)
    numeric = list(dict.fromkeys(needed))
    prep = prepare(cfg, raw, path, numeric, log=cfg.log, log_shift=cfg.log_shift)
    data = prep.data
    ctx.write_table(prep.to_frame(), "panel/preparation", csv=True)
    logged = {c: f"ln_{c}" for c in cfg.log}
    outc = [logged.get(c, c) for c in outc]
    by = cfg.time if cfg.index_by_period else None
    core_idx = _index(cfg.regressor_method, data, core, cfg.negative, by, "core_index")
    alt_idx = _index(cfg.alternative_method, data, core, cfg.negative, by, "core_index_alt")
    out_idx = _index(cfg.outcome_method, data, outc, cfg.outcome_negative, by, "outcome_index")
    data = data.assign(
        core_index=core_idx.score, core_index_alt=alt_idx.score, outcome_index=out_idx.score
    )
    weights = []
    for role, res in (("regressor", core_idx), ("alternative", alt_idx), ("outcome", out_idx)):
        tab = res.to_frame().assign(index=role)
        weights.append(tab)
        if hasattr(res, "loadings"):
            ctx.write_table(
                res.loadings.rename_axis("indicator").reset_index(),
                f"panel/index_loadings_{role}",
                csv=True,
            )
    ctx.write_table(pd.concat(weights, ignore_index=True), "panel/index_weights", csv=True)
    ctx.write_table(
        data[[cfg.unit, cfg.time, "core_index", "core_index_alt", "outcome_index"]], "panel/scores"
    )
    ctx.results["panel.data"] = data
    ctx.results["panel.prep"] = prep
    ctx.results["panel.indices"] = {
        "regressor": core_idx.to_dict(),
        "alternative": alt_idx.to_dict(),
        "outcome": out_idx.to_dict(),
    }


def _names(cfg) -> tuple[str, str]:
    y = "outcome_index" if cfg.outcome == "index" else cfg.outcome
    x = "core_index" if cfg.regressor == "index" else cfg.regressor
    return y, x


def run_models(ctx: RunContext) -> None:
    """Four-column two-way FE table, robustness (alternative index, extra control, lag), IV."""
    from smekit.analysis.iv import fit_iv
    from smekit.analysis.panel_fe import fe_columns, fit_panel
    from smekit.analysis.panel_prep import add_lags
    from smekit.analysis.tables import frame_to_markdown, regression_table

    cfg = ctx.study.config.panels.s2
    data = ctx.results["panel.data"]
    y, x = _names(cfg)
    cl = cfg.cluster or cfg.unit
    u, t = cfg.unit, cfg.time
    base = fe_columns(data, y, x, cfg.controls, u, t, cluster=cl)
    labels = {x: "Regressor", "core_index_alt": "Regressor (alternative index)"}
    _write_table(
        ctx,
        regression_table(
            base,
            title=f"Two-way fixed effects: {y} on {x}",
            labels=labels,
            se_label=f"Standard errors clustered by {cl} in parentheses.",
        ),
        "baseline",
    )
    rhs = " + ".join(cfg.controls)
    robust: dict[str, Any] = {"Baseline": base["(4)"]}
    if cfg.regressor == "index":
        robust["Alternative index"] = fit_panel(
            data, f"{y} ~ core_index_alt + {rhs}", u, t, cluster=cl
        )
    if cfg.extra_control:
        robust["Extra control"] = fit_panel(
            data, f"{y} ~ {x} + {rhs} + {cfg.extra_control}", u, t, cluster=cl
        )
    lagged = add_lags(data, u, t, [x], lags=(1,))
    robust["Lagged regressor"] = fit_panel(lagged, f"{y} ~ L1_{x} + {rhs}", u, t, cluster=cl)
    labels[f"L1_{x}"] = "Regressor (t - 1)"
    _write_table(
        ctx,
        regression_table(
            robust,
            title="Robustness",
            labels=labels,
            se_label=f"Standard errors clustered by {cl} in parentheses.",
        ),
        "robustness",
    )
    out: dict[str, Any] = {
        "baseline": {k: f.to_dict() for k, f in base.items()},
        "robustness": {k: f.to_dict() for k, f in robust.items()},
    }
    if cfg.instrument is not None:
        ic = cfg.instrument
        zc = np.log(data[ic.column]) if ic.log else data[ic.column]
        z = _z(zc)
        if ic.shift:
            z = z * _z(data[ic.shift])
        ivdata = data.assign(instrument=z)
        iv = fit_iv(ivdata, f"{y} ~ {rhs} | {x} ~ instrument", cluster=cl, absorb=[u, t])
        fs = iv.first_stage
        cols = {"First stage": fs.estimates[x], "2SLS": iv.estimates}
        table = regression_table(
            cols,
            title="IV-2SLS (two-way FE absorbed)",
            labels=labels,
            se_label=f"Standard errors clustered by {cl}. "
            f"{iv.stock_yogo.verdict()}; {iv.stock_yogo_kp.verdict()}; "
            f"Anderson LM = {fs.anderson_lm:.2f} "
            f"(p = {fs.anderson_pvalue:.3g}).",
        )
        _write_table(ctx, table, "iv")
        diag = pd.DataFrame(
            [
                {"statistic": "partial R²", "value": fs.partial_r2[x]},
                {"statistic": "first-stage F (clustered)", "value": fs.f[x]},
                {"statistic": "Cragg-Donald Wald F", "value": fs.cragg_donald_f},
                {"statistic": "Kleibergen-Paap rk Wald F", "value": fs.kleibergen_paap_f},
                {"statistic": "Anderson canonical-correlation LM", "value": fs.anderson_lm},
                {"statistic": "Anderson LM p-value", "value": fs.anderson_pvalue},
                *[
                    {"statistic": f"Stock-Yogo {k} maximal IV size", "value": v}
                    for k, v in iv.stock_yogo.size.items()
                ],
            ]
        )
        ctx.write_table(diag, "panel/iv_first_stage", csv=True)
        ctx.write_text(frame_to_markdown(diag), "panel/iv_first_stage.md")
        out["iv"] = iv.to_dict()
    ctx.results["panel.models"] = out


def run_mechanisms(ctx: RunContext) -> None:
    """Three-step mediation for each mediator; heterogeneity by region and policy period."""
    from smekit.analysis.heterogeneity import split_fe
    from smekit.analysis.panel_mediation import panel_mediation
    from smekit.analysis.tables import regression_table

    cfg = ctx.study.config.panels.s2
    data = ctx.results["panel.data"]
    y, x = _names(cfg)
    u, t = cfg.unit, cfg.time
    med_rows, med_json = [], {}
    for k, m in enumerate(cfg.mediators):
        res = panel_mediation(
            data,
            x,
            m,
            y,
            u,
            t,
            controls=cfg.controls,
            n_boot=cfg.n_boot,
            seed=int(ctx.study.config.seed) + k,
        )
        steps = {
            "(1) " + y: res.fits["total"],
            "(2) " + m: res.fits["a"],
            "(3) " + y: res.fits["direct"],
        }
        eff = res.effects.query("method == 'bca'").set_index("effect")
        note = (
            f"Standard errors clustered by {u}. Indirect effect a·b = {res.indirect:.4f}, "
            f"Sobel z = {res.sobel_z:.2f} (p = {res.sobel_p:.3g}); cluster-bootstrap BCa "
            f"{100 * res.ci:.0f}% CI [{eff.loc['indirect', 'ci_low']:.4f}, "
            f"{eff.loc['indirect', 'ci_high']:.4f}] ({res.n_boot} resamples); share mediated "
            + ("n/a" if res.proportion_mediated is None else f"{res.proportion_mediated:.1%}")
            + ("; masking: indirect and direct effects have opposite signs" if res.masking else "")
            + "."
        )
        table = regression_table(
            steps, title=f"Mediation through {m}", se_label=note, terms=[x, m, *cfg.controls]
        )
        _write_table(ctx, table, f"mediation_{m}")
        med_json[m] = res.to_dict()
        for r in res.effects.itertuples(index=False):
            med_rows.append(
                {
                    "mediator": m,
                    **r._asdict(),
                    "sobel_z": res.sobel_z,
                    "sobel_p": res.sobel_p,
                    "masking": res.masking,
                    "share_mediated": res.proportion_mediated,
                }
            )
    if med_rows:
        ctx.write_table(pd.DataFrame(med_rows), "panel/mediation", csv=True)
    het_json: dict[str, Any] = {}
    het_rows = []
    h = cfg.heterogeneity
    if h is not None:
        fml = f"{y} ~ {x} + {' + '.join(cfg.controls)}"
        splits = {}
        if h.column in data.columns:
            splits["region"] = split_fe(data, fml, u, t, by=h.column, groups=h.groups)
        if h.policy_year is not None:
            d2 = data.assign(_period=np.where(data[t] >= h.policy_year, "after", "before"))
            splits["policy"] = split_fe(
                d2,
                fml,
                u,
                t,
                by="_period",
                groups={f"before {h.policy_year}": ["before"], f"from {h.policy_year}": ["after"]},
            )
        for name, res in splits.items():
            g = list(res.groups)
            table = regression_table(
                res.groups,
                title=f"Heterogeneity: {name}",
                se_label=f"Standard errors clustered by {u}. Difference ({g[1]} − {g[0]}) in "
                f"{x}: {res.difference:.4f} (SE {res.se:.4f}, t({res.df:.0f}) = {res.t:.2f}, "
                f"p = {res.p:.3g}; {res.test}).",
            )
            _write_table(ctx, table, f"heterogeneity_{name}")
            het_json[name] = res.to_dict()
            het_rows += [{"split": name, **r} for r in res.to_frame().to_dict("records")]
        if het_rows:
            ctx.write_table(pd.DataFrame(het_rows), "panel/heterogeneity", csv=True)
    prep = ctx.results["panel.prep"]
    ctx.write_json(
        {
            "outcome": y,
            "regressor": x,
            "preparation": prep.to_dict(),
            "indices": ctx.results["panel.indices"],
            **ctx.results["panel.models"],
            "mediation": med_json,
            "heterogeneity": het_json,
        },
        "panel/panel",
    )


STAGES = [
    Stage("panel.prepare", "Preparing the S2 panel and indices", _has_s2, run_prepare),
    Stage("panel.models", "Fitting fixed-effects and IV models", _has_s2, run_models),
    Stage("panel.mechanisms", "Mediation and heterogeneity", _has_s2, run_mechanisms),
]

"""Synthetic panels shaped like studies S2 (provincial) and S3 (city difference-in-differences).

``panel_s2``: 30 provinces x 2013-2022. A latent digital-economy level with
province and year effects drives 21 indicators in four dimensions (two of
them negative), three mediators and, through a direct effect and the trade-
dependence mediator, a latent supply-chain resilience measured by eight
indicators. A historical instrument (post offices per million people in 1984,
time-invariant) interacted with a national internet-user series shifts the
digital economy and nothing else.

``panel_s3``: 285 cities x 2012-2022 with 55 pilot cities treated from 2018.
The outcome has city and year fixed effects, six controls and a constant
treatment effect on the treated (so trends are parallel before 2018 by
construction), part of it running through two of three mediators. Treatment
is assigned with probabilities that rise with baseline income, eastern
location and IP protection, so matching has something to balance.

The data-generating process of S3 is the two-way fixed-effects model of
Angrist, J. D., & Pischke, J.-S. (2009), *Mostly Harmless Econometrics*,
ch. 5.2; the mediation structure of both panels follows Baron, R. M., &
Kenny, D. A. (1986), *Journal of Personality and Social Psychology*, 51(6),
1173-1182 (indirect effect = a x b).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# -- S2 --------------------------------------------------------------------
S2_YEARS = tuple(range(2013, 2023))
S2_REGION_COUNTS = {"east": 11, "central": 8, "west": 11}
S2_DIMENSIONS = {"dinf": 6, "dind": 5, "idig": 5, "dinn": 5}
S2_DIMENSION_NAMES = {
    "dinf": "digital infrastructure",
    "dind": "digital industrialisation",
    "idig": "industrial digitalisation",
    "dinn": "digital innovation",
}
S2_NEGATIVE = ("dinf_6", "idig_5")
S2_RESILIENCE = {
    "recovery_export_change": "recovery",
    "resistance_goods_turnover": "resistance",
    "resistance_ecommerce_firms": "resistance",
    "resistance_freight": "resistance",
    "responsiveness_inventory_turnover": "responsiveness",
    "responsiveness_trade_partners": "responsiveness",
    "learning_tech_contracts": "learning_innovation",
    "learning_patents": "learning_innovation",
}
S2_LOG_COLUMNS = ("learning_patents",)
S2_CONTROL_EFFECTS = {
    "human_capital": 0.05,
    "transport": 0.08,
    "labour": 0.30,
    "industrial_structure": 0.04,
    "gov_spending": -0.20,
    "industrialisation": 0.10,
}
S2_DIRECT = 0.30
S2_MEDIATOR_A = {
    "trade_dependence": 0.08,
    "export_sophistication": 0.10,
    "export_concentration": 0.0,
}
S2_MEDIATOR_B = {"trade_dependence": 1.5, "export_sophistication": 0.0, "export_concentration": 0.0}
S2_IV_SLOPE = 0.25
S2_NOISE_SD = 0.10
S2_MISSING_SHARE = 0.01

# -- S3 --------------------------------------------------------------------
S3_YEARS = tuple(range(2012, 2023))
S3_N_CITIES = 285
S3_N_TREATED = 55
S3_TREATMENT_YEAR = 2018
S3_ATT = 0.656
S3_MEDIATOR_A = {"logistics_efficiency": 0.50, "supplier_diversity": 0.30, "digital_trade": 0.20}
S3_MEDIATOR_B = {"logistics_efficiency": 0.30, "supplier_diversity": 0.25, "digital_trade": 0.0}
S3_CONTROL_EFFECTS = {
    "gdp_pc": 0.05,
    "fdi": 0.04,
    "urbanisation": 0.02,
    "industry_share": -0.01,
    "internet": 0.015,
    "finance": 0.20,
}
S3_NOISE_SD = 1.0
S3_CITY_SD = 3.5
S3_SCATTERED_MISSING = 40
S3_GAP_YEARS = 4
S3_SELECTION = {"intercept": -1.6, "gdp_pc_2012_z": 0.6, "east": 0.4, "ip_protection_z": 0.3}
S3_N_RESOURCE_BASED = 114
S3_N_DIGITAL_POLICY = 120


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()


def _provinces(rng: np.random.Generator) -> pd.DataFrame:
    """Province ids, names and regions (east, central, west in id order)."""
    regions = [r for r, k in S2_REGION_COUNTS.items() for _ in range(k)]
    n = len(regions)
    post = np.rint(np.exp(rng.normal(np.log(110), 0.35, size=n))).astype(np.int64)
    return pd.DataFrame(
        {
            "province_id": np.arange(1, n + 1),
            "province": [f"Province {k:02d}" for k in range(1, n + 1)],
            "region": regions,
            "post_offices_1984": post,
        }
    )


def _interior_missing(
    shape: tuple[int, int], years: int, share: float, rng: np.random.Generator
) -> np.ndarray:
    """Boolean mask of isolated missing cells away from each unit's first and last year.

    ``shape`` is ``(units * years, columns)`` with rows sorted by unit then year.
    """
    n_rows, n_cols = shape
    mask = np.zeros(shape, dtype=bool)
    year_index = np.tile(np.arange(years), n_rows // years)
    interior = np.flatnonzero((year_index > 0) & (year_index < years - 1))
    target = round(share * n_rows * n_cols)
    while mask.sum() < target:
        r = int(interior[rng.integers(len(interior))])
        c = int(rng.integers(n_cols))
        if not (mask[r - 1, c] or mask[r + 1, c] or mask[r, c]):
            mask[r, c] = True
    return mask


def panel_s2(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Provincial panel shaped like study S2 (30 provinces x 2013-2022, N = 300).

    Model (latent scale; i province, t year, t = 0..9):

    * ``D_it = a_i + 0.15 t + 0.25 z(log post_i) z(internet_t) + u_it`` with
      ``a_i`` higher in the east and rising with post offices in 1984;
    * mediators ``M_k = m_ik + a_k D_it + v_it`` (trade dependence, export
      sophistication, export concentration);
    * ``R_it = c_i + h_t + 0.30 D_it + 1.5 trade_dependence_it + controls'g + e_it``,
      so the total effect of D on R is ``0.30 + 0.08 x 1.5 = 0.42``;
    * indicators are linear in D (or R) plus noise; ``dinf_6`` and ``idig_5``
      fall as D rises; ``learning_patents`` is a count, log-linear in R.

    Parameters
    ----------
    rng
        Random generator.

    Returns
    -------
    (panel, truth)
        The panel (one row per province-year, about 1% of indicator, mediator
        and control cells missing at interior years) and the true values.
    """
    prov = _provinces(rng)
    n, years = len(prov), len(S2_YEARS)
    t = np.arange(years, dtype=float)
    national = np.round(620.0 * 1.058**t, 1)
    region_d = prov["region"].map({"east": 0.6, "central": 0.0, "west": -0.5}).to_numpy()
    post_z = _z(np.log(prov["post_offices_1984"].to_numpy(dtype=float)))
    a = region_d + 0.4 * post_z + rng.normal(0, 0.3, size=n)
    g = 0.15 * t
    iv = np.outer(post_z, _z(national))
    d = a[:, None] + g[None, :] + S2_IV_SLOPE * iv + rng.normal(0, 0.15, size=(n, years))

    east = (prov["region"] == "east").to_numpy(dtype=float)[:, None]
    west = (prov["region"] == "west").to_numpy(dtype=float)[:, None]

    def unit(mean: float, sd: float) -> np.ndarray:
        return rng.normal(mean, sd, size=(n, 1))

    def noise(sd: float) -> np.ndarray:
        return rng.normal(0, sd, size=(n, years))

    trend = 0.06 * t
    controls = {
        "human_capital": 9.3 + 0.8 * east - 0.5 * west + unit(0, 0.4) + trend + 0.2 * d,
        "transport": 0.9 + 0.4 * east + unit(0, 0.2) + 0.5 * trend + 0.05 * d,
        "labour": 0.55 + unit(0, 0.05) + 0.01 * d,
        "industrial_structure": 1.1 + 0.3 * east + unit(0, 0.2) + 0.8 * trend + 0.08 * d,
        "gov_spending": 0.25 - 0.05 * east + 0.06 * west + unit(0, 0.04),
        "industrialisation": 0.40 + unit(0, 0.05) - 0.1 * trend,
    }
    control_noise = {
        "human_capital": 0.1,
        "transport": 0.04,
        "labour": 0.01,
        "industrial_structure": 0.05,
        "gov_spending": 0.01,
        "industrialisation": 0.01,
    }
    controls = {k: v + noise(control_noise[k]) for k, v in controls.items()}
    a_m = S2_MEDIATOR_A
    mediators = {
        "trade_dependence": 0.25 + 0.15 * east + unit(0, 0.06) + a_m["trade_dependence"] * d,
        "export_sophistication": 9.8 + 0.2 * east + unit(0, 0.1) + a_m["export_sophistication"] * d,
        "export_concentration": 0.22 + unit(0, 0.05) + a_m["export_concentration"] * d,
    }
    mediator_noise = {
        "trade_dependence": 0.02,
        "export_sophistication": 0.03,
        "export_concentration": 0.02,
    }
    mediators = {k: v + noise(mediator_noise[k]) for k, v in mediators.items()}
    c = 0.3 * region_d + rng.normal(0, 0.3, size=n)
    h = 0.05 * t + np.array([0, 0, 0, 0, 0, 0, 0, -0.25, -0.1, 0.0])
    r = c[:, None] + h[None, :] + S2_DIRECT * d + rng.normal(0, S2_NOISE_SD, size=(n, years))
    for name, m in mediators.items():
        r = r + S2_MEDIATOR_B[name] * m
    for name, x in controls.items():
        r = r + S2_CONTROL_EFFECTS[name] * x

    columns: dict[str, np.ndarray] = {}
    for dim, k in S2_DIMENSIONS.items():
        for j in range(1, k + 1):
            col = f"{dim}_{j}"
            scale = float(np.exp(rng.normal(0, 1.2)))
            e = noise(0.35)
            level = 4.0 - d + e if col in S2_NEGATIVE else 4.0 + d + e
            columns[col] = scale * np.clip(level, 0.05, None)
    r_centre = float(np.mean(r))
    for col in S2_RESILIENCE:
        e = noise(0.3)
        if col == "learning_patents":
            columns[col] = np.rint(np.exp(7.0 + 0.8 * (r - r_centre) + 0.5 * e))
        else:
            scale = float(np.exp(rng.normal(0, 1.0)))
            columns[col] = scale * np.clip(3.0 + (r - r_centre) + e, 0.05, None)

    ids = np.repeat(prov["province_id"].to_numpy(), years)
    frame = pd.DataFrame(
        {
            "province_id": ids,
            "province": np.repeat(prov["province"].to_numpy(), years),
            "region": np.repeat(prov["region"].to_numpy(), years),
            "year": np.tile(S2_YEARS, n),
        }
    )
    values = {**columns, **controls, **mediators}
    numeric = pd.DataFrame({k: np.round(v.reshape(-1), 4) for k, v in values.items()})
    mask = _interior_missing(numeric.shape, years, S2_MISSING_SHARE, rng)
    numeric = numeric.mask(mask)
    frame = pd.concat([frame, numeric], axis=1)
    frame["learning_patents"] = frame["learning_patents"].astype("Int64")
    frame["post_offices_1984"] = np.repeat(prov["post_offices_1984"].to_numpy(), years)
    frame["internet_users_national"] = np.tile(national, n)

    rows, cols = np.nonzero(mask)
    total = S2_DIRECT + sum(S2_MEDIATOR_A[k] * S2_MEDIATOR_B[k] for k in S2_MEDIATOR_A)
    truth = {
        "n_provinces": n,
        "years": [S2_YEARS[0], S2_YEARS[-1]],
        "n_rows": len(frame),
        "regions": dict(S2_REGION_COUNTS),
        "indicators": {
            dim: [f"{dim}_{j}" for j in range(1, k + 1)] for dim, k in S2_DIMENSIONS.items()
        },
        "dimension_names": dict(S2_DIMENSION_NAMES),
        "negative_indicators": list(S2_NEGATIVE),
        "resilience_indicators": dict(S2_RESILIENCE),
        "log_columns": list(S2_LOG_COLUMNS),
        "controls": list(controls),
        "control_effects": dict(S2_CONTROL_EFFECTS),
        "effect_total": round(total, 10),
        "effect_direct": S2_DIRECT,
        "mediators": {
            k: {
                "a": S2_MEDIATOR_A[k],
                "b": S2_MEDIATOR_B[k],
                "indirect": round(S2_MEDIATOR_A[k] * S2_MEDIATOR_B[k], 10),
            }
            for k in S2_MEDIATOR_A
        },
        "instrument": {
            "column": "post_offices_1984",
            "national_series": "internet_users_national",
            "first_stage_slope": S2_IV_SLOPE,
            "form": "z(log post_offices_1984) x z(internet_users_national)",
        },
        "noise_sd": S2_NOISE_SD,
        "missing_cells": [
            {
                "province_id": int(frame["province_id"].iloc[i]),
                "year": int(frame["year"].iloc[i]),
                "column": str(numeric.columns[j]),
            }
            for i, j in zip(rows, cols, strict=True)
        ],
        "latent": {
            "province_id": ids.tolist(),
            "year": frame["year"].tolist(),
            "digital_economy": np.round(d.reshape(-1), 6).tolist(),
            "resilience": np.round(r.reshape(-1), 6).tolist(),
        },
        "model": (
            "R = c_i + h_t + effect_direct * D + sum_k b_k * M_k + controls * control_effects + "
            "N(0, noise_sd); M_k = m_ik + a_k * D + noise; effect_total = effect_direct + "
            "sum_k a_k * b_k"
        ),
    }
    return frame, truth


def _cities(rng: np.random.Generator) -> pd.DataFrame:
    """City attributes: province (9-10 cities each), region, resource base, IP protection."""
    provinces = [f"Province {k:02d}" for k in range(1, 31)]
    regions = [r for r, k in S2_REGION_COUNTS.items() for _ in range(k)]
    sizes = np.full(30, 9)
    sizes[rng.choice(30, size=S3_N_CITIES - 9 * 30, replace=False)] += 1
    prov_idx = np.repeat(np.arange(30), sizes)
    resource = np.zeros(S3_N_CITIES, dtype=np.int64)
    resource[rng.choice(S3_N_CITIES, S3_N_RESOURCE_BASED, replace=False)] = 1
    digital = np.zeros(S3_N_CITIES, dtype=np.int64)
    digital[rng.choice(S3_N_CITIES, S3_N_DIGITAL_POLICY, replace=False)] = 1
    ip = np.round(np.clip(rng.normal(50, 15, size=S3_N_CITIES), 5, 95), 1)
    return pd.DataFrame(
        {
            "city_id": [f"C{k:03d}" for k in range(1, S3_N_CITIES + 1)],
            "province": [provinces[i] for i in prov_idx],
            "region": [regions[i] for i in prov_idx],
            "resource_based": resource,
            "ip_protection": ip,
            "digital_policy": digital,
        }
    )


def panel_s3(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """City panel shaped like study S3 (285 cities x 2012-2022, 55 treated from 2018).

    Model (i city, t year):
    ``Y_it = alpha_i + delta_t + controls_it' g + tau_direct D_it + sum_k b_k M_k,it + e_it``
    with ``D_it = treat_i x post_t``, mediators ``M_k,it = m_ik + trend + a_k D_it + v``
    and ``tau_direct = 0.656 - sum_k a_k b_k``, so the ATT of the policy is 0.656 in
    every post-treatment year and zero before.

    Parameters
    ----------
    rng
        Random generator.

    Returns
    -------
    (panel, truth)
        3,135 city-years; ``trade_resilience`` is missing in 44 cells (one city
        with four consecutive missing years, 40 isolated interior cells), so
        3,091 rows are complete.
    """
    city = _cities(rng)
    n, years = len(city), len(S3_YEARS)
    t = np.arange(years, dtype=float)
    east = (city["region"] == "east").to_numpy(dtype=float)
    central = (city["region"] == "central").to_numpy(dtype=float)
    ip = city["ip_protection"].to_numpy()

    gdp0 = np.exp(rng.normal(np.log(5.0) + 0.35 * east, 0.4, size=n))
    slump = np.where(np.asarray(S3_YEARS) == 2020, -0.25, 0.0)
    gdp_pc = gdp0[:, None] + 0.3 * t + slump + rng.normal(0, 0.15, (n, years))
    controls = {
        "gdp_pc": gdp_pc,
        "fdi": np.exp(rng.normal(np.log(1.8), 0.5, size=(n, 1)) + rng.normal(0, 0.1, (n, years))),
        "urbanisation": np.clip(
            rng.normal(55, 10, size=(n, 1))
            + 6 * east[:, None]
            + 0.8 * t
            + rng.normal(0, 0.8, (n, years)),
            25,
            98,
        ),
        "industry_share": np.clip(
            rng.normal(44, 6, size=(n, 1)) - 0.4 * t + rng.normal(0, 1.0, (n, years)), 15, 70
        ),
        "internet": np.clip(
            rng.normal(20, 5, size=(n, 1)) + 3.0 * t + rng.normal(0, 1.5, (n, years)), 2, 95
        ),
        "finance": np.exp(rng.normal(np.log(1.3), 0.25, size=(n, 1)))
        + 0.02 * t
        + rng.normal(0, 0.05, (n, years)),
    }

    score = (
        S3_SELECTION["intercept"]
        + S3_SELECTION["gdp_pc_2012_z"] * _z(np.log(gdp0))
        + S3_SELECTION["east"] * east
        + S3_SELECTION["ip_protection_z"] * _z(ip)
    )
    p = 1.0 / (1.0 + np.exp(-score))
    treated_idx = np.sort(rng.choice(n, size=S3_N_TREATED, replace=False, p=p / p.sum()))
    treat = np.zeros(n, dtype=np.int64)
    treat[treated_idx] = 1
    post = (np.asarray(S3_YEARS) >= S3_TREATMENT_YEAR).astype(np.int64)
    did = np.outer(treat, post).astype(float)

    mediators = {
        "logistics_efficiency": rng.normal(3.0, 0.6, size=(n, 1)) + 0.05 * t,
        "supplier_diversity": rng.normal(2.0, 0.5, size=(n, 1)) + 0.03 * t,
        "digital_trade": rng.normal(1.5, 0.5, size=(n, 1)) + 0.08 * t,
    }
    mediators = {
        k: v + S3_MEDIATOR_A[k] * did + rng.normal(0, 0.5, (n, years)) for k, v in mediators.items()
    }
    indirect = sum(S3_MEDIATOR_A[k] * S3_MEDIATOR_B[k] for k in S3_MEDIATOR_A)
    direct = S3_ATT - indirect

    alpha = 10.0 + 1.2 * east + 0.5 * central + 0.02 * (ip - 50) + rng.normal(0, S3_CITY_SD, n)
    delta = 0.25 * t + np.where(np.asarray(S3_YEARS) == 2020, -0.8, 0.0)
    delta = delta + np.where(np.asarray(S3_YEARS) == 2021, -0.3, 0.0)
    y = alpha[:, None] + delta[None, :] + direct * did + rng.normal(0, S3_NOISE_SD, (n, years))
    for k, m in mediators.items():
        y = y + S3_MEDIATOR_B[k] * m
    for k, x in controls.items():
        y = y + S3_CONTROL_EFFECTS[k] * x

    # Missing outcome cells: one untreated city with four consecutive gaps, 40 isolated cells.
    missing = np.zeros((n, years), dtype=bool)
    untreated = np.flatnonzero(treat == 0)
    gap_city = int(untreated[rng.integers(len(untreated))])
    gap_start = int(rng.integers(1, years - S3_GAP_YEARS))
    missing[gap_city, gap_start : gap_start + S3_GAP_YEARS] = True
    while missing.sum() < S3_GAP_YEARS + S3_SCATTERED_MISSING:
        i, j = int(rng.integers(n)), int(rng.integers(1, years - 1))
        if i != gap_city and not missing[i, j - 1 : j + 2].any():
            missing[i, j] = True
    y_obs = np.where(missing, np.nan, np.round(y, 4))

    frame = city.loc[city.index.repeat(years)].reset_index(drop=True)
    frame.insert(6, "year", np.tile(S3_YEARS, n))
    frame["treat"] = np.repeat(treat, years)
    frame["post"] = np.tile(post, n)
    frame["trade_resilience"] = y_obs.reshape(-1)
    for k, x in controls.items():
        frame[k] = np.round(x.reshape(-1), 4)
    for k, m in mediators.items():
        frame[k] = np.round(m.reshape(-1), 4)

    cities = city["city_id"].to_numpy()
    mi, mj = np.nonzero(missing)
    truth = {
        "n_cities": n,
        "years": [S3_YEARS[0], S3_YEARS[-1]],
        "n_rows": len(frame),
        "n_complete": int(len(frame) - missing.sum()),
        "att": S3_ATT,
        "effect_direct": round(direct, 10),
        "treatment_year": S3_TREATMENT_YEAR,
        "treated": cities[treated_idx].tolist(),
        "dynamic_effects": {
            str(yr): (S3_ATT if yr >= S3_TREATMENT_YEAR else 0.0) for yr in S3_YEARS
        },
        "selection_logit": dict(S3_SELECTION),
        "controls": list(controls),
        "control_effects": dict(S3_CONTROL_EFFECTS),
        "mediators": {
            k: {
                "a": S3_MEDIATOR_A[k],
                "b": S3_MEDIATOR_B[k],
                "indirect": round(S3_MEDIATOR_A[k] * S3_MEDIATOR_B[k], 10),
            }
            for k in S3_MEDIATOR_A
        },
        "noise_sd": S3_NOISE_SD,
        "city_effect_sd": S3_CITY_SD,
        "dropped_city": str(cities[gap_city]),
        "dropped_city_missing_years": [
            int(S3_YEARS[j]) for j in range(gap_start, gap_start + S3_GAP_YEARS)
        ],
        "missing_outcome": [
            {"city_id": str(cities[i]), "year": int(S3_YEARS[j])}
            for i, j in zip(mi, mj, strict=True)
        ],
        "model": (
            "trade_resilience = alpha_i + delta_t + controls * control_effects + effect_direct * "
            "treat * post + sum_k b_k * M_k + N(0, noise_sd); M_k = m_ik + trend + a_k * treat * "
            "post + N(0, 0.5); att = effect_direct + sum_k a_k * b_k"
        ),
    }
    return frame, truth

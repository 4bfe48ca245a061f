"""Synthetic S1 survey: 300 SMEs answering the resilience and digital-transformation questionnaire.

The generating model follows study S1 (see the README's study list): four
correlated strategy constructs predict the digital-transformation construct
by a linear model with known coefficients,

.. math::

    DX_i = b_0 + b_1 DT_i + b_2 SC_i + b_3 ET_i + b_4 CE_i + e_i,
    \\quad e_i \\sim N(0, \\sigma^2),

where the predictors are the firms' item-mean construct scores (the quantity
an analyst computes), so regressing the scored outcome on the scored
predictors estimates the true coefficients without measurement-error
attenuation. Item answers are latent score + item offset + normal noise,
rounded and clipped to the 1-5 scale; reverse-keyed items are stored as
``6 - answer``.

The raw file also carries four planted quality problems (a straight-liner, a
speeder, an incomplete response and a failed attention check) and one
high-influence firm among the clean ones, all recorded in the truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from smekit.survey.instrument import Instrument, ItemType

N_FIRMS = 300
PREDICTORS = ("digital_tools", "supply_chain_div", "employee_training", "customer_engagement")
OUTCOME = "digital_transformation"
TRUE_COEFFICIENTS = {
    "digital_tools": 0.45,
    "supply_chain_div": 0.20,
    "employee_training": 0.25,
    "customer_engagement": 0.55,
}
INTERCEPT = -1.55
NOISE_SD = 0.50
LATENT_MEANS = {
    "digital_tools": 3.3,
    "supply_chain_div": 3.0,
    "employee_training": 3.2,
    "customer_engagement": 3.4,
}
LATENT_SD = 0.65
LATENT_CORRELATIONS = np.array(
    [
        [1.00, 0.30, 0.35, 0.25],
        [0.30, 1.00, 0.20, 0.30],
        [0.35, 0.20, 1.00, 0.40],
        [0.25, 0.30, 0.40, 1.00],
    ]
)
ITEM_NOISE_SD = {
    "digital_tools": 0.42,
    "supply_chain_div": 0.42,
    "employee_training": 0.42,
    "customer_engagement": 0.42,
    "digital_transformation": 0.60,
}
ITEM_OFFSET_RANGE = 0.25

SECTOR_COUNTS = {1: 195, 2: 60, 3: 45}  # retail, manufacturing, services
RETAIL_SUB_COUNTS = {1: 101, 2: 59, 3: 12, 4: 12, 5: 11}  # of the 195 retail firms
REGION_COUNTS = {1: 120, 2: 90, 3: 75, 4: 15}  # east, south, west, north/central
EMPLOYEES_MEAN = 150.0
EXPORT_SHARE_MISSING = 30
ROLE_WEIGHTS = {1: 0.26, 2: 0.14, 3: 0.22, 4: 0.10, 5: 0.04, 6: 0.05, 7: 0.08, 8: 0.07, 9: 0.04}
PLATFORM_WEIGHTS = {1: 0.30, 2: 0.14, 3: 0.16, 4: 0.20, 5: 0.15, 6: 0.05}
MARKET_WEIGHTS = {1: 0.24, 2: 0.26, 3: 0.17, 4: 0.10, 5: 0.08, 6: 0.07, 7: 0.03, 8: 0.05}

FIELD_START = pd.Timestamp("2024-03-04T08:00:00")
FIELD_DAYS = 28
MEDIAN_DURATION_SEC = 700

INFLUENTIAL_ID = "F004"
PLANTED = {
    "F301": "straightliner",
    "F302": "speeder",
    "F303": "incomplete",
    "F304": "attention",
}
SPEEDER_DURATION_SEC = 60
STRAIGHTLINE_ANSWER = 4

CHALLENGES = (
    "Shipping costs to our main markets tripled within a few months.",
    "Our supplier's factory closed for six weeks and we had nothing to sell.",
    "Parcels sat in customs for weeks and customers asked for refunds.",
    "Air freight capacity disappeared, so deliveries took twice as long.",
    "Half of the team was ill or in lockdown at the same time.",
    "Platform fees went up while our sales went down.",
    "Container prices made our low-margin products unprofitable.",
    "We could not visit trade fairs, so finding new buyers stalled.",
    "Currency swings ate most of our profit on European orders.",
    "Our only logistics partner stopped accepting new shipments.",
    "Returns from abroad became too expensive to process.",
    "Customers cancelled orders because we could not give delivery dates.",
    "Cash flow was very tight while stock was stuck at the port.",
    "New import rules in some markets meant extra paperwork for every order.",
    "Demand jumped for some products and collapsed for others overnight.",
)
STRATEGIES = {
    "digital_tools": (
        "Moving our order system to the cloud let us keep working from home.",
        "Sales dashboards showed us quickly which markets were recovering.",
        "Automating invoices and customs forms saved hours every week.",
        "Online collaboration tools kept the team coordinated during lockdowns.",
    ),
    "supply_chain_div": (
        "Adding a second supplier in another country kept our shelves stocked.",
        "Working with two logistics providers meant we always had a route out.",
        "Opening a small overseas warehouse cut our delivery times.",
        "Selling on more than one platform protected us when one slowed down.",
    ),
    "employee_training": (
        "Training our staff in digital marketing paid off within months.",
        "Keeping everyone informed every week kept morale and loyalty high.",
        "Letting staff suggest changes gave us some of our best ideas.",
        "Cross-training people meant nobody's absence stopped the business.",
    ),
    "customer_engagement": (
        "Talking to customers on chat and social media kept them loyal.",
        "Warning customers about delays before they asked built a lot of trust.",
        "Personalised offers for each market brought back old buyers.",
        "Answering customers in their own language made a big difference.",
    ),
}


@dataclass(frozen=True)
class SurveyTruth:
    """True values behind the synthetic survey.

    Attributes
    ----------
    coefficients
        True slope of each predictor construct score.
    intercept, noise_sd
        Intercept and residual standard deviation of the outcome model.
    n_clean
        Number of clean firms (rows F001..F300).
    planted
        Respondent id → planted problem (``straightliner``, ``speeder``,
        ``incomplete``, ``attention``).
    influential
        Id of the high-influence clean firm.
    profile
        Expected sample-profile counts of the clean firms and their mean size.
    details
        Further generating values (latent means, SD and correlations, item noise
        and offsets, reverse-keyed items, attention-check answer, median duration).
    """

    coefficients: dict[str, float]
    intercept: float
    noise_sd: float
    n_clean: int
    planted: dict[str, str]
    influential: str
    profile: dict
    details: dict

    def to_dict(self) -> dict:
        return {
            "coefficients": dict(self.coefficients),
            "intercept": self.intercept,
            "noise_sd": self.noise_sd,
            "n_clean": self.n_clean,
            "n_rows": self.n_clean + len(self.planted),
            "planted": dict(self.planted),
            "influential": self.influential,
            "profile": self.profile,
            **self.details,
        }


def _exact_shuffle(counts: dict[int, int], rng: np.random.Generator) -> np.ndarray:
    """Codes repeated to exact counts, in random order."""
    values = np.concatenate([np.full(k, code) for code, k in counts.items()])
    return rng.permutation(values)


def _draw(weights: dict[int, float], size: int, rng: np.random.Generator) -> np.ndarray:
    codes = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    return rng.choice(codes, size=size, p=p / p.sum())


def _multi_select(
    weights: dict[int, float], size: int, rng: np.random.Generator, max_k: int
) -> list[str]:
    """Space-separated sorted codes, 1..max_k choices per respondent."""
    codes = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    p = p / p.sum()
    out = []
    for k in rng.integers(1, max_k + 1, size=size):
        picked = rng.choice(codes, size=int(k), replace=False, p=p)
        out.append(" ".join(str(c) for c in sorted(picked.tolist())))
    return out


def _employees(n: int, rng: np.random.Generator) -> np.ndarray:
    """Firm sizes: gamma draws clipped to 1..500, rescaled so the sample mean is 150."""
    x = rng.gamma(shape=1.6, scale=EMPLOYEES_MEAN / 1.6, size=n)
    for _ in range(20):
        x = np.clip(np.rint(x * EMPLOYEES_MEAN / x.mean()), 1, 500)
        if abs(x.mean() - EMPLOYEES_MEAN) < 0.5:
            break
    return x.astype(np.int64)


def _profiles(n: int, rng: np.random.Generator, exact: bool) -> pd.DataFrame:
    """Firm characteristics; ``exact`` reproduces the S1 profile counts exactly."""
    if exact:
        sector = _exact_shuffle(SECTOR_COUNTS, rng)
        region = _exact_shuffle(REGION_COUNTS, rng)
        retail_sub = np.zeros(n, dtype=np.int64)
        retail_sub[sector == 1] = _exact_shuffle(RETAIL_SUB_COUNTS, rng)
        employees = _employees(n, rng)
    else:
        sector = _draw({k: v / n for k, v in SECTOR_COUNTS.items()}, n, rng)
        region = _draw({k: float(v) for k, v in REGION_COUNTS.items()}, n, rng)
        retail_sub = np.where(
            sector == 1, _draw({k: float(v) for k, v in RETAIL_SUB_COUNTS.items()}, n, rng), 0
        )
        employees = np.clip(np.rint(rng.gamma(1.6, EMPLOYEES_MEAN / 1.6, size=n)), 1, 500)
    firm_age = np.clip(np.rint(4 + rng.gamma(2.0, 4.5, size=n)), 4, 40).astype(np.int64)
    share = np.clip(np.rint(rng.beta(2.2, 2.0, size=n) * 100), 0, 100).astype(np.int64)
    export_share = pd.array(share, dtype="Int64")
    if exact:
        export_share[rng.choice(n, size=EXPORT_SHARE_MISSING, replace=False)] = pd.NA
    else:
        export_share[rng.random(n) < EXPORT_SHARE_MISSING / N_FIRMS] = pd.NA
    return pd.DataFrame(
        {
            "sells_abroad": np.ones(n, dtype=np.int64),
            "pre_2020": np.ones(n, dtype=np.int64),
            "employees": np.asarray(employees, dtype=np.int64),
            "firm_age": firm_age,
            "sector": sector.astype(np.int64),
            "retail_sub": pd.array(np.where(sector == 1, retail_sub, 0), dtype="Int64"),
            "region": region.astype(np.int64),
            "platforms": _multi_select(PLATFORM_WEIGHTS, n, rng, 3),
            "markets": _multi_select(MARKET_WEIGHTS, n, rng, 3),
            "role": _draw(ROLE_WEIGHTS, n, rng).astype(np.int64),
            "export_share": export_share,
        }
    ).assign(retail_sub=lambda d: d["retail_sub"].mask(d["sector"] != 1))


def _latent_predictors(n: int, rng: np.random.Generator) -> np.ndarray:
    """Correlated predictor construct levels, ``(n, 4)``, on the 1-5 scale."""
    cov = LATENT_SD**2 * LATENT_CORRELATIONS
    chol = np.linalg.cholesky(cov)
    means = np.array([LATENT_MEANS[c] for c in PREDICTORS])
    return means + rng.standard_normal((n, len(PREDICTORS))) @ chol.T


def _item_offsets(instrument: Instrument, rng: np.random.Generator) -> dict[str, float]:
    """Per-item difficulty shifts, centred within each construct so scores stay unbiased."""
    out: dict[str, float] = {}
    for construct in (*PREDICTORS, OUTCOME):
        items = instrument.construct_items(construct)
        shift = rng.uniform(-ITEM_OFFSET_RANGE, ITEM_OFFSET_RANGE, size=len(items))
        shift -= shift.mean()
        out.update({item.id: float(s) for item, s in zip(items, shift, strict=True)})
    return out


def _answers(
    level: np.ndarray,
    construct: str,
    instrument: Instrument,
    offsets: dict[str, float],
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Stored item answers for one construct and the item-mean (reverse-coded) score."""
    stored: dict[str, np.ndarray] = {}
    intended_all = []
    for item in instrument.construct_items(construct):
        scale = instrument.scale_of(item)
        raw = level + offsets[item.id] + rng.normal(0, ITEM_NOISE_SD[construct], size=len(level))
        intended = np.clip(np.rint(raw), scale.min, scale.max)
        intended_all.append(intended)
        stored[item.id] = scale.reverse(intended) if item.reverse else intended
    return stored, np.mean(intended_all, axis=0)


def _plant_influential(answers: dict[str, np.ndarray], index: int, instrument: Instrument) -> None:
    """Give one firm extreme predictors and an outcome far above its predicted value."""
    extreme = {
        "digital_tools": 1,
        "supply_chain_div": 5,
        "employee_training": 4,
        "customer_engagement": 5,
        OUTCOME: 5,
    }
    for construct, value in extreme.items():
        for item in instrument.construct_items(construct):
            scale = instrument.scale_of(item)
            answers[item.id][index] = scale.reverse(value) if item.reverse else value


def _free_text(
    levels: np.ndarray, rng: np.random.Generator
) -> tuple[list[str | None], list[str | None]]:
    """Open answers: a pandemic problem and the strategy the firm scored highest on."""
    n = len(levels)
    challenge = [str(CHALLENGES[k]) for k in rng.integers(0, len(CHALLENGES), size=n)]
    top = np.argmax(levels, axis=1)
    strategy = [
        STRATEGIES[PREDICTORS[t]][k] for t, k in zip(top, rng.integers(0, 4, size=n), strict=True)
    ]
    skip_c = rng.random(n) < 0.12
    skip_s = rng.random(n) < 0.15
    return (
        [None if s else c for c, s in zip(challenge, skip_c, strict=True)],
        [None if s else c for c, s in zip(strategy, skip_s, strict=True)],
    )


def _timing(n: int, rng: np.random.Generator) -> tuple[pd.Series, np.ndarray]:
    """Start times over the four-week field period and completion times in seconds."""
    day = rng.integers(0, FIELD_DAYS, size=n)
    hour = np.clip(rng.normal(14.0, 3.0, size=n), 7.0, 23.5)
    seconds = np.rint(day * 86400 + hour * 3600).astype(np.int64)
    start = FIELD_START.normalize() + pd.to_timedelta(seconds, unit="s")
    duration = np.clip(
        np.rint(MEDIAN_DURATION_SEC * np.exp(rng.normal(0, 0.3, size=n))), 320, 2400
    ).astype(np.int64)
    return pd.Series(start), duration


def _likert_block(
    n: int,
    instrument: Instrument,
    offsets: dict[str, float],
    rng: np.random.Generator,
    influential: int | None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Construct item answers for ``n`` firms, the predictor scores and latent levels."""
    levels = _latent_predictors(n, rng)
    answers: dict[str, np.ndarray] = {}
    scores = np.empty_like(levels)
    for j, construct in enumerate(PREDICTORS):
        stored, score = _answers(levels[:, j], construct, instrument, offsets, rng)
        answers.update(stored)
        scores[:, j] = score
    beta = np.array([TRUE_COEFFICIENTS[c] for c in PREDICTORS])
    outcome = INTERCEPT + scores @ beta + rng.normal(0, NOISE_SD, size=n)
    stored, _ = _answers(outcome, OUTCOME, instrument, offsets, rng)
    answers.update(stored)
    if influential is not None:
        _plant_influential(answers, influential, instrument)
    return answers, scores, levels


def _assemble(
    instrument: Instrument,
    ids: list[str],
    profiles: pd.DataFrame,
    answers: dict[str, np.ndarray],
    attention: np.ndarray,
    texts: tuple[list, list],
    start: pd.Series,
    duration: np.ndarray,
) -> pd.DataFrame:
    end = start + pd.to_timedelta(duration, unit="s")
    columns: dict[str, object] = {
        "respondent_id": ids,
        "start_time": start.dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(),
        "end_time": end.dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(),
        "duration_sec": duration,
    }
    attn_ids = {i.id for i in instrument.attention_items}
    for item in instrument.iter_items():
        if item.id in profiles.columns:
            columns[item.id] = profiles[item.id].reset_index(drop=True).array
        elif item.id in attn_ids:
            columns[item.id] = pd.array(attention, dtype="Int64")
        elif item.type == ItemType.likert:
            columns[item.id] = pd.array(answers[item.id].astype(np.int64), dtype="Int64")
        elif item.id == "main_challenge":
            columns[item.id] = pd.array(texts[0], dtype=object)
        elif item.id == "best_strategy":
            columns[item.id] = pd.array(texts[1], dtype=object)
    return pd.DataFrame(columns)


def survey_responses(
    instrument: Instrument, rng: np.random.Generator
) -> tuple[pd.DataFrame, SurveyTruth]:
    """Raw S1 survey export: 300 clean firms plus four planted problem rows.

    Parameters
    ----------
    instrument
        The S1 questionnaire (``s1_resilience_dt``); its item ids, scales and
        choice codes define the columns and values.
    rng
        Random generator; the same generator state gives the same data.

    Returns
    -------
    (responses, truth)
        ``responses`` has ``respondent_id``, ``start_time``, ``end_time``,
        ``duration_sec`` and one column per item in questionnaire order, 304
        rows (F001..F300 clean, F301..F304 planted problems). ``truth`` holds
        the generating values.
    """
    offsets = _item_offsets(instrument, rng)
    n = N_FIRMS
    profiles = _profiles(n, rng, exact=True)
    infl = int(INFLUENTIAL_ID[1:]) - 1
    answers, _, levels = _likert_block(n, instrument, offsets, rng, infl)
    texts = _free_text(levels, rng)
    start, duration = _timing(n, rng)
    order = np.argsort(start.to_numpy(), kind="stable")
    start = start.iloc[order].reset_index(drop=True)
    duration = duration[order]
    ids = [f"F{k:03d}" for k in range(1, n + 1)]
    attention_expected = instrument.attention_items[0].attention_check.expected[0]
    clean = _assemble(
        instrument,
        ids,
        profiles,
        answers,
        np.full(n, attention_expected),
        texts,
        start,
        duration,
    )

    m = len(PLANTED)
    p_profiles = _profiles(m, rng, exact=False)
    p_answers, _, p_levels = _likert_block(m, instrument, offsets, rng, None)
    p_texts = _free_text(p_levels, rng)
    p_start, p_duration = _timing(m, rng)
    p_attention = np.full(m, attention_expected)
    kinds = list(PLANTED.values())
    likert_ids = [
        i.id
        for i in instrument.iter_items()
        if i.type == ItemType.likert and i.attention_check is None
    ]
    for row, kind in enumerate(kinds):
        if kind == "straightliner":
            for item_id in likert_ids:
                p_answers[item_id][row] = STRAIGHTLINE_ANSWER
        elif kind == "speeder":
            p_duration[row] = SPEEDER_DURATION_SEC
        elif kind == "attention":
            p_attention[row] = 5 if attention_expected != 5 else 1
    planted = _assemble(
        instrument, list(PLANTED), p_profiles, p_answers, p_attention, p_texts, p_start, p_duration
    )
    cut = kinds.index("incomplete")
    items = list(instrument.items)
    last_sc = max(items.index(i.id) for i in instrument.construct_items("supply_chain_div"))
    for item_id in items[last_sc + 1 :]:
        planted.loc[cut, item_id] = pd.NA
    data = pd.concat([clean, planted], ignore_index=True)

    truth = SurveyTruth(
        coefficients=dict(TRUE_COEFFICIENTS),
        intercept=INTERCEPT,
        noise_sd=NOISE_SD,
        n_clean=n,
        planted=dict(PLANTED),
        influential=INFLUENTIAL_ID,
        profile={
            "sector": {"retail": 195, "manufacturing": 60, "services": 45},
            "retail_sub": {
                "electronics": 101,
                "clothing": 59,
                "health_beauty": 12,
                "home_goods": 12,
                "food_beverage": 11,
            },
            "region": {"east": 120, "south": 90, "west": 75, "north_central": 15},
            "employees_mean": round(float(clean["employees"].mean()), 4),
            "export_share_missing": EXPORT_SHARE_MISSING,
        },
        details={
            "outcome": OUTCOME,
            "predictors": list(PREDICTORS),
            "outcome_model": (
                "digital_transformation latent = intercept + sum(coefficient * item-mean "
                "predictor score) + N(0, noise_sd); outcome items = latent + item offset + "
                "noise, rounded and clipped to 1..5"
            ),
            "latent_means": dict(LATENT_MEANS),
            "latent_sd": LATENT_SD,
            "latent_correlations": LATENT_CORRELATIONS.tolist(),
            "item_noise_sd": dict(ITEM_NOISE_SD),
            "item_offsets": {k: round(v, 6) for k, v in offsets.items()},
            "reverse_items": [i.id for i in instrument.iter_items() if i.reverse],
            "attention_expected": attention_expected,
            "median_duration_sec": float(np.median(duration)),
        },
    )
    return data, truth

"""Reference figures for src/loop/power.ts and src/loop/effect.ts.

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/loop_effect.py
Writes test/reference/loop_effect.json with the library versions inside.

Sample size: found independently of the closed form Patron uses — by searching for the smallest
holdout size n (treated = ratio × n) whose power, computed from SciPy's normal distribution
for the two-sided two-proportion z-test (pooled variance under H0, unpooled under H1), reaches
the target. Fleiss's formula is the exact inverse of that power function, so Patron's rounded-up
size must equal the search result.

Effect: a seeded per-decision table aggregated per customer with pandas, then the treated −
holdout differences with the unpooled Wald interval (proportions) and Welch's standard error
with the normal quantile (means), computed with numpy/SciPy.
"""
import json
import math
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from scipy.stats import norm

OUT = Path(__file__).resolve().parents[2] / "test" / "reference" / "loop_effect.json"


def power_two_proportions(p0, p1, n0, ratio, alpha):
    n1 = ratio * n0
    p_bar = (p0 + ratio * p1) / (1 + ratio)
    sd0 = math.sqrt(p_bar * (1 - p_bar) * (1 / n1 + 1 / n0))
    sd1 = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    z = norm.ppf(1 - alpha / 2)
    delta = abs(p1 - p0)
    # P(reject) under H1, both tails (the far tail is negligible but counted).
    return norm.cdf((delta - z * sd0) / sd1) + norm.cdf((-delta - z * sd0) / sd1)


def search_n(p0, p1, ratio, alpha, power):
    lo, hi = 1.0, 1.0
    while power_two_proportions(p0, p1, hi, ratio, alpha) < power:
        hi *= 2
    # Continuous n where the main-tail power equals the target, by bisection.
    z = norm.ppf(1 - alpha / 2)
    for _ in range(200):
        mid = (lo + hi) / 2
        n1 = ratio * mid
        p_bar = (p0 + ratio * p1) / (1 + ratio)
        sd0 = math.sqrt(p_bar * (1 - p_bar) * (1 / n1 + 1 / mid))
        sd1 = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / mid)
        if norm.cdf((abs(p1 - p0) - z * sd0) / sd1) < power:
            lo = mid
        else:
            hi = mid
    return hi


def power_means(delta, sd0, sd1, n0, ratio, alpha):
    se = math.sqrt(sd0**2 / n0 + sd1**2 / (ratio * n0))
    z = norm.ppf(1 - alpha / 2)
    return norm.cdf(abs(delta) / se - z)


sample_sizes = []
for p0, p1, ratio, alpha, power in [
    (0.10, 0.15, 1, 0.05, 0.8),
    (0.10, 0.12, 1, 0.05, 0.8),
    (0.30, 0.25, 1, 0.05, 0.8),
    (0.10, 0.15, 9, 0.05, 0.8),
    (0.05, 0.06, 4, 0.05, 0.8),
    (0.50, 0.55, 1, 0.01, 0.9),
    (0.70, 0.72, 0.5, 0.05, 0.8),
]:
    n_holdout = search_n(p0, p1, ratio, alpha, power)
    sample_sizes.append({
        "p_holdout": p0, "p_treated": p1, "ratio": ratio, "alpha": alpha, "power": power,
        "n_holdout_continuous": n_holdout, "n_treated_continuous": ratio * n_holdout,
        "power_at_ceiling": power_two_proportions(p0, p1, math.ceil(n_holdout), ratio, alpha),
    })

mean_sizes = []
for delta, sd0, sd1, ratio in [(2.0, 10.0, 12.0, 1), (0.5, 3.0, 3.0, 9), (-1.0, 5.0, 4.0, 2)]:
    z_sum = norm.ppf(0.975) + norm.ppf(0.8)
    n0 = z_sum**2 * (sd0**2 + sd1**2 / ratio) / delta**2
    mean_sizes.append({"delta": delta, "sd_holdout": sd0, "sd_treated": sd1, "ratio": ratio,
                       "n_holdout_continuous": n0, "power_at_ceiling": power_means(delta, sd0, sd1, math.ceil(n0), ratio, 0.05)})

# A seeded decision log: 600 customers, 1–4 decisions each, 30 % holdout, conversions and money.
rng = np.random.default_rng(10)
rows = []
for c in range(600):
    holdout = rng.random() < 0.3
    for _ in range(rng.integers(1, 5)):
        targeted = rng.random() < 0.6
        p = 0.2 + (0.08 if (targeted and not holdout) else 0)
        bought = rng.random() < p
        revenue = float(np.round(rng.gamma(2.0, 40.0), 2)) if bought else 0.0
        discount = float(np.round(revenue * 0.1, 2)) if (bought and targeted and not holdout) else 0.0
        rows.append({"customer_id": f"c{c}", "holdout": int(holdout), "targeted": int(targeted), "purchased": int(bought),
                     "revenue": revenue, "discount_cost": discount, "profit": float(np.round((revenue + discount) * 0.3 - discount, 6))})
log = pd.DataFrame(rows)
z = norm.ppf(0.975)


def measure(frame):
    per = frame.groupby(["customer_id", "holdout"]).agg(purchased=("purchased", "max"), revenue=("revenue", "sum"), profit=("profit", "sum")).reset_index()
    t = per[per.holdout == 0]
    h = per[per.holdout == 1]
    p1, p0 = t.purchased.mean(), h.purchased.mean()
    se = math.sqrt(p1 * (1 - p1) / len(t) + p0 * (1 - p0) / len(h))
    out = {"treated_customers": len(t), "holdout_customers": len(h), "treated_conversion": p1, "holdout_conversion": p0,
           "conversion_diff": [p1 - p0, p1 - p0 - z * se, p1 - p0 + z * se]}
    for name in ["revenue", "profit"]:
        d = t[name].mean() - h[name].mean()
        se = math.sqrt(t[name].var(ddof=1) / len(t) + h[name].var(ddof=1) / len(h))
        out[f"{name}_diff"] = [d, d - z * se, d + z * se]
    out["incremental_profit"] = [v * len(t) for v in out["profit_diff"]]
    return out


OUT.write_text(json.dumps({
    "versions": {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__},
    "sample_sizes": sample_sizes,
    "mean_sizes": mean_sizes,
    "log": {k: log[k].tolist() for k in log.columns},
    "effect_all": measure(log),
    # The targeted scope counts only the decisions where the policy chose an offer.
    "effect_targeted": measure(log[log.targeted == 1]),
}, indent=1))
print(f"wrote {OUT}")

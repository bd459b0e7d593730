"""Reference values for src/clv: the CDNOW calibration summary built with pandas exactly as
lifetimes' summary_data_from_transaction_data builds it (lifetimes is not installed here; its
code path is reproduced step by step: per customer-day sums, freq='D', ÷7 for weeks, rounded to
2 decimals like the published CDNOW summary), plus BG/NBD and Gamma-Gamma formulas evaluated
with SciPy (scipy.special.hyp2f1, gammaln) at lifetimes' published parameters.

Run: /usr/bin/python3 scripts/reference/clv_reference.py  → test/reference/clv.json
"""
import gzip, json, os
import numpy as np
import pandas as pd
import scipy
from scipy.special import gammaln, hyp2f1, expit

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
with gzip.open(os.path.join(ROOT, "data/cdnow/CDNOW_sample.txt.gz"), "rt") as f:
    df = pd.read_csv(f, sep=r"\s+", header=None, names=["id", "sample", "date", "cds", "dollars"], dtype={"id": str})
df["date"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")

# lifetimes' summary_data_from_transaction_data(df, 'id', 'date', 'dollars',
#   observation_period_end='1997-09-30', freq='D', freq_multiplier=7)
end = pd.Timestamp("1997-09-30")
t = df[df["date"] <= end]
per_day = t.groupby(["id", "date"], as_index=False)["dollars"].sum().sort_values(["id", "date"])
per_day["first"] = ~per_day.duplicated("id")
cust = per_day.groupby("id")["date"].agg(["min", "max", "count"])
cust["frequency"] = cust["count"] - 1
cust["T"] = ((end - cust["min"]) / np.timedelta64(1, "D") / 7).round(2)
cust["recency"] = ((cust["max"] - cust["min"]) / np.timedelta64(1, "D") / 7).round(2)
per_day.loc[per_day["first"], "dollars"] = np.nan
cust["monetary_value"] = per_day.groupby("id")["dollars"].mean().fillna(0)
cust = cust.sort_index()

# Holdout (calibration_and_holdout_data): distinct purchase days in (1997-09-30, 1998-06-30].
hold = df[(df["date"] > end) & (df["date"] <= pd.Timestamp("1998-06-30"))]
freq_hold = hold.groupby("id")["date"].nunique().reindex(cust.index).fillna(0)

r, alpha, a, b = 0.242593, 4.413532, 0.792886, 2.425752
p, q, v = 6.25, 3.74, 15.44
x = cust["frequency"].values.astype(float)
tx = cust["recency"].values
T = cust["T"].values
m = cust["monetary_value"].values

def bg_ll(r, alpha, a, b):
    A1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    A3 = -(r + x) * np.log(alpha + T)
    A4 = np.log(a) - np.log(b + np.where(x == 0, 1, x) - 1) - (r + x) * np.log(alpha + tx)
    mx = np.maximum(A3, A4)
    return np.mean(A1 + A2 + np.log(np.exp(A3 - mx) + np.exp(A4 - mx) * (x > 0)) + mx)

def cond_exp(t_):
    _a, _b, _c = r + x, b + x, a + b + x - 1
    _z = t_ / (alpha + T + t_)
    hyp = hyp2f1(_a, _b, _c, _z)
    first = (a + b + x - 1) / (a - 1)
    second = 1 - hyp * ((alpha + T) / (alpha + t_ + T)) ** (r + x)
    den = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return first * second / den

def cond_exp_params(t_, r, alpha, a, b):
    _a, _b, _c = r + x, b + x, a + b + x - 1
    _z = t_ / (alpha + T + t_)
    hyp = hyp2f1(_a, _b, _c, _z)
    first = (a + b + x - 1) / (a - 1)
    second = 1 - hyp * ((alpha + T) / (alpha + t_ + T)) ** (r + x)
    den = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return first * second / den

def p_alive():
    log_div = (r + x) * np.log((alpha + T) / (alpha + tx)) + np.log(a / (b + np.maximum(x, 1) - 1))
    return np.where(x == 0, 1.0, expit(-log_div))

def uncond(t_):
    return (a + b - 1) / (a - 1) * (1 - hyp2f1(r, b, a + b - 1, t_ / (alpha + t_)) * (alpha / (alpha + t_)) ** r)

rep = x > 0
xr, mr = x[rep], m[rep]
gg_ll = np.mean(gammaln(p * xr + q) - gammaln(p * xr) - gammaln(q) + q * np.log(v) + (p * xr - 1) * np.log(mr) + (p * xr) * np.log(xr) - (p * xr + q) * np.log(xr * mr + v))
w = p * x / (p * x + q - 1)
gg_mean = (1 - w) * (v * p / (q - 1)) + w * m

hyp_cases = [(0.74, 0.77, -0.18, 0.1), (0.74, 0.77, -0.18, 0.8), (0.5, 1.5, 2.0, 0.3), (2.2, 3.1, 4.7, 0.9), (100.24, 102.4, 203.2, 0.7), (300.2, 302.4, 603.0, 0.95), (0.24, 2.4, 2.2, 0.99), (10.0, 0.5, 3.0, 0.5)]

out = {
    "versions": {"pandas": pd.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
    "note": "summary reproduces lifetimes' summary_data_from_transaction_data (freq='D', freq_multiplier=7, rounded to 2 decimals) with pandas",
    "summary": {"customers": list(cust.index), "frequency": x.tolist(), "recency": tx.tolist(), "T": T.tolist(), "monetary_value": m.tolist(), "frequency_holdout": freq_hold.values.tolist()},
    "bgnbd_params": {"r": r, "alpha": alpha, "a": a, "b": b},
    "gg_params": {"p": p, "q": q, "v": v},
    "bgnbd_mean_loglik": bg_ll(r, alpha, a, b),
    "gg_mean_loglik": gg_ll,
    "conditional_expected_39": cond_exp(39.0).tolist(),
    "conditional_expected_200": cond_exp(200.0).tolist(),
    "p_alive": p_alive().tolist(),
    # a + b < 1 makes c = a + b + x - 1 negative for x = 0 (seen on Online Retail).
    "small_ab_params": {"r": 0.8, "alpha": 12.0, "a": 0.35, "b": 0.45},
    "conditional_expected_small_ab_13": cond_exp_params(13.0, 0.8, 12.0, 0.35, 0.45).tolist(),
    "unconditional": {str(t_): uncond(t_) for t_ in [1.0, 10.0, 39.0, 78.0]},
    "gg_conditional_mean": gg_mean.tolist(),
    "hyp2f1": [{"a": A, "b": B, "c": C, "z": Z, "value": float(hyp2f1(A, B, C, Z))} for A, B, C, Z in hyp_cases],
}
with open(os.path.join(ROOT, "test/reference/clv.json"), "w") as f:
    json.dump(out, f)
print("wrote test/reference/clv.json", len(cust), "customers")

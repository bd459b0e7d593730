"""Reference numbers for src/profile: pandas describe()/skew()/kurt()/corr()/duplicated(),
numpy.histogram, scikit-learn roc_auc_score and mutual_info_classif (discrete features),
and the population stability index written out in numpy.

Run with Debian's interpreter:  /usr/bin/python3 scripts/reference/profile.py
Writes test/reference/profile.json (data + expected values + library versions).
"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import scipy.stats
import sklearn
from sklearn.feature_selection import mutual_info_classif
from sklearn.metrics import mutual_info_score, roc_auc_score

QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
N_BINS = 20


def make_frame(rng, n, shift=0.0):
    x_norm = rng.normal(50 + shift, 10, n)
    x_norm[rng.choice(n, 15, replace=False)] = np.nan
    x_int = rng.poisson(12, n).astype(float)
    x_skew = np.round(rng.lognormal(2 + shift / 10, 0.6, n), 2)
    x_skew[:3] = [950.0, 1200.5, -40.0]  # extreme values on both sides
    cat = rng.choice(["alpha", "beta", "gamma", "delta"], n, p=[0.4, 0.3, 0.2, 0.1])
    logit = 0.08 * (np.nan_to_num(x_norm, nan=50) - 50) + np.where(cat == "alpha", 0.8, -0.3)
    label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    cls = np.where(x_int > 13, "high", np.where(x_int > 9, "mid", "low"))
    cls = np.where(rng.random(n) < 0.2, "mid", cls)
    return pd.DataFrame({
        "id": np.arange(1, n + 1),
        "x_norm": x_norm,
        "x_int": x_int,
        "x_skew": x_skew,
        "cat": cat,
        "label": label,
        "cls": cls,
    })


def choose_range(s):
    """src/profile/histogram.ts chooseRange, in Python."""
    lo, hi = float(s.min()), float(s.max())
    integer_valued = bool((s.dropna() == np.floor(s.dropna())).all())
    if lo == hi:
        return lo - 0.5, hi + 0.5, 1
    if integer_valued and hi - lo < 30:
        return lo - 0.5, hi + 0.5, int(hi - lo + 1)
    q25, q75 = s.quantile(0.25), s.quantile(0.75)
    iqr = q75 - q25
    if iqr > 0 and hi - lo > 25 * iqr:
        clo, chi = max(lo, q25 - 3 * iqr), min(hi, q75 + 3 * iqr)
        if integer_valued:
            clo, chi = np.floor(clo), np.ceil(chi)
        return float(clo), float(chi), N_BINS
    return lo, hi, N_BINS


def histogram(s):
    lo, hi, n_bins = choose_range(s)
    x = s.dropna().to_numpy()
    counts, edges = np.histogram(x, bins=n_bins, range=(lo, hi))
    return {"edges": edges.tolist(), "counts": counts.tolist(),
            "below": int((x < lo).sum()), "above": int((x > hi).sum())}


def outliers(s):
    x = s.dropna()
    q25, med, q75 = x.quantile(0.25), x.median(), x.quantile(0.75)
    iqr = q75 - q25
    low, high = q25 - 1.5 * iqr, q75 + 1.5 * iqr
    mad = float(np.median(np.abs(x - med)))
    z = 0.6745 * (x - med) / mad
    return {
        "iqrLow": low, "iqrHigh": high,
        "nBelowIqr": int((x < low).sum()), "nAboveIqr": int((x > high).sum()),
        "nFarOut": int(((x < q25 - 3 * iqr) | (x > q75 + 3 * iqr)).sum()),
        "median": float(med), "mad": mad,
        "nRobustZ": int((np.abs(z) > 3.5).sum()), "maxAbsRobustZ": float(np.abs(z).max()),
    }


def deciles(s):
    """floor(10 (average rank − 1) / n) on non-missing values; missing → -1 (its own bin)."""
    out = np.full(len(s), -1.0)
    ok = s.notna().to_numpy()
    ranks = scipy.stats.rankdata(s[ok], method="average")
    out[ok] = np.floor(10 * (ranks - 1) / ok.sum())
    return out


def psi(expected_col, actual_col, categorical):
    if categorical:
        top = expected_col.value_counts()
        top = top.sort_values(ascending=False, kind="stable")
        labels = list(top.index[:20])
        def bucket(v):
            return np.array([labels.index(x) if x in labels else len(labels) for x in v])
        eb, ab = bucket(expected_col), bucket(actual_col)
        n_buckets = len(labels) + 1
    else:
        edges = np.unique(np.quantile(expected_col.dropna(), [0.1 * k for k in range(1, 10)]))
        def bucket(v):
            b = np.searchsorted(edges, v.to_numpy(), side="left")
            return np.where(v.isna().to_numpy(), -1, b)
        eb, ab = bucket(expected_col), bucket(actual_col)
        n_buckets = len(edges) + 1
    total = 0.0
    for b in list(range(n_buckets)) + [-1]:
        e, a = np.mean(eb == b), np.mean(ab == b)
        if e == 0 and a == 0:
            continue
        e, a = max(e, 1e-4), max(a, 1e-4)
        total += (a - e) * np.log(a / e)
    return total


def main():
    rng = np.random.default_rng(20240601)
    df = make_frame(rng, 300)
    # Three exact duplicates of existing rows (ids included), for duplicated().
    df = pd.concat([df, df.iloc[[5, 5, 17]]], ignore_index=True)
    current = make_frame(np.random.default_rng(7), 200, shift=6.0)

    numeric = ["x_norm", "x_int", "x_skew"]
    expected = {"columns": {}, "histograms": {}, "outliers": {}}
    for c in numeric + ["cat", "cls", "id", "label"]:
        s = df[c]
        entry = {"nMissing": int(s.isna().sum()), "nDistinct": int(s.nunique())}
        if c in numeric:
            entry.update({
                "min": float(s.min()), "max": float(s.max()), "mean": float(s.mean()), "std": float(s.std()),
                "skew": float(s.skew()), "kurtosis": float(s.kurt()),
                "quantiles": {str(q): float(s.quantile(q)) for q in QUANTILES},
                "nZero": int((s == 0).sum()), "nNegative": int((s < 0).sum()),
            })
            expected["histograms"][c] = histogram(s)
            expected["outliers"][c] = outliers(s)
        if c in ("cat", "cls"):
            vc = s.value_counts()
            entry["top"] = [{"value": k, "count": int(v)} for k, v in vc.items()]
        expected["columns"][c] = entry
    expected["nRows"] = int(len(df))
    expected["nDuplicateRows"] = int(df.duplicated().sum())
    expected["pearson"] = df[numeric].corr(method="pearson").to_numpy().tolist()
    expected["spearman"] = df[numeric].corr(method="spearman").to_numpy().tolist()

    # Binary label: single-feature ROC-AUC and discrete mutual information.
    y = df["label"].to_numpy()
    auc, mi = {}, {}
    for c in numeric:
        ok = df[c].notna().to_numpy()
        auc[c] = float(roc_auc_score(y[ok], df[c].to_numpy()[ok]))
    # Categorical: the in-sample positive rate of each category as the score.
    rate = df.groupby("cat")["label"].transform("mean")
    auc["cat"] = float(roc_auc_score(y, rate))
    auc["id"] = float(roc_auc_score(y, df["id"]))
    codes = {c: (deciles(df[c]) if df[c].nunique() > 20 else df[c].fillna(-1).to_numpy()) for c in numeric + ["id"]}
    codes["cat"] = pd.factorize(df["cat"])[0]
    for c, v in codes.items():
        via_selection = mutual_info_classif(v.reshape(-1, 1), y, discrete_features=True)[0]
        direct = mutual_info_score(v, y)
        assert abs(via_selection - direct) < 1e-12
        mi[c] = float(direct)
    expected["binary"] = {"auc": auc, "mutualInfo": mi,
                          "labelEntropy": float(scipy.stats.entropy(np.bincount(y)))}
    # Multiclass label: mutual information only.
    ycls = pd.factorize(df["cls"])[0]
    expected["multiclass"] = {
        "mutualInfo": {c: float(mutual_info_score(v, ycls)) for c, v in codes.items()},
        "labelEntropy": float(scipy.stats.entropy(np.bincount(ycls))),
    }
    expected["psi"] = {c: float(psi(df[c], current[c], c in ("cat", "cls"))) for c in numeric + ["cat", "cls", "label"]}

    def rows(frame):
        out = []
        for rec in frame.to_dict(orient="records"):
            out.append({k: (None if isinstance(v, float) and np.isnan(v) else (v.item() if hasattr(v, "item") else v))
                        for k, v in rec.items()})
        return out

    payload = {
        "versions": {"python": sys.version.split()[0], "pandas": pd.__version__, "numpy": np.__version__,
                     "scipy": scipy.__version__, "sklearn": sklearn.__version__},
        "columns": {"id": "INTEGER", "x_norm": "DOUBLE PRECISION", "x_int": "DOUBLE PRECISION",
                    "x_skew": "DOUBLE PRECISION", "cat": "VARCHAR", "label": "INTEGER", "cls": "VARCHAR"},
        "rows": rows(df),
        "current": rows(current),
        "expected": expected,
    }
    out = Path(__file__).resolve().parents[2] / "test" / "reference" / "profile.json"
    out.write_text(json.dumps(payload, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

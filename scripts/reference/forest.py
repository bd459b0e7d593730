"""Reference results for src/models/tree/forest.ts from scikit-learn's RandomForest.

Run with Debian's interpreter after cart.py (it reuses cart.json's data):
    /usr/bin/python3 scripts/reference/forest.py
Writes test/reference/forest.json.

Two kinds of reference:
- exact: with bootstrap=False and max_features=None every tree of a forest is the same CART
  tree, so predictions and importances must equal scikit-learn's (on cart.json's tie-free cases);
- statistical: with bootstrap and feature sampling the random streams differ, so the test compares
  holdout ROC-AUC / R² with scikit-learn's over several seeds (mean and spread recorded here).
"""
import gzip
import json
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import r2_score, roc_auc_score

root = Path(__file__).resolve().parents[2]
cart = json.loads((root / "test" / "reference" / "cart.json").read_text())
SEEDS = range(5)


def lst(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def matrix(values, n_features):
    return np.asarray(values).reshape(n_features, -1).T


def exact_case(name, make, options):
    d = next(d for d in cart["datasets"] if d["name"] == name)
    x, xt = matrix(d["x"], d["nFeatures"]), matrix(d["xTest"], d["nFeatures"])
    est = make(n_estimators=4, bootstrap=False, max_features=None, random_state=0, **options).fit(x, d["y"])
    pred = est.predict_proba(xt)[:, 1] if make is RandomForestClassifier else est.predict(xt)
    return {"dataset": name, "options": options, "predictTest": lst(pred), "importances": lst(est.feature_importances_)}


def hillstrom():
    with gzip.open(root / "data" / "hillstrom" / "hillstrom.csv.gz", "rt") as f:
        df = pd.read_csv(f, nrows=12000)
    cols = {
        "recency": df.recency, "history": df.history, "mens": df.mens, "womens": df.womens, "newbie": df.newbie,
    }
    for col, levels in (("zip_code", ("Rural", "Surburban", "Urban")), ("channel", ("Multichannel", "Phone", "Web")),
                        ("segment", ("Mens E-Mail", "Womens E-Mail", "No E-Mail"))):
        for level in levels:
            cols[f"{col}={level}"] = (df[col] == level).astype(float)
    x = pd.DataFrame(cols).to_numpy(dtype=float)
    return x, df.visit.to_numpy(dtype=float)


def synthetic(n, n_features, regression):
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(size=(n, n_features)), 4)  # 4 decimals keep the fixture small
    signal = x[:, 0] + 0.8 * x[:, 1] * x[:, 2] + np.sin(2 * x[:, 3]) + 0.5 * (x[:, 4] > 0.5)
    if regression:
        return x, np.round(signal + rng.normal(0, 0.5, n), 4)
    return x, (signal + rng.normal(0, 1, n) > 0).astype(float)


def statistical_case(name, x, y, n_train, make, options):
    scores = []
    for seed in SEEDS:
        est = make(random_state=seed, **options).fit(x[:n_train], y[:n_train])
        if make is RandomForestClassifier:
            scores.append(roc_auc_score(y[n_train:], est.predict_proba(x[n_train:])[:, 1]))
        else:
            scores.append(r2_score(y[n_train:], est.predict(x[n_train:])))
    return {
        "name": name,
        "metric": "roc_auc" if make is RandomForestClassifier else "r2",
        "options": options,
        "nTrain": n_train,
        "x": None,  # the test rebuilds x (Hillstrom from data/, synthetic from the same generator below)
        "scores": scores,
        "mean": float(np.mean(scores)),
        "sd": float(np.std(scores, ddof=1)),
    }


xh, yh = hillstrom()
xs, ys = synthetic(2500, 8, False)
xr, yr = synthetic(2500, 8, True)
stat = [
    statistical_case("hillstrom-visit", xh, yh, 8000, RandomForestClassifier, {"n_estimators": 30, "min_samples_leaf": 20}),
    statistical_case("synthetic-binary", xs, ys, 1500, RandomForestClassifier, {"n_estimators": 50}),
    statistical_case("synthetic-regression", xr, yr, 1500, RandomForestRegressor, {"n_estimators": 50, "min_samples_leaf": 3}),
]
# The synthetic data travel in the fixture (float64, exact); Hillstrom is read from data/.
stat[1]["x"], stat[1]["y"] = lst(xs.T), lst(ys)
stat[2]["x"], stat[2]["y"] = lst(xr.T), lst(yr)
fixture = {
    "generator": "scripts/reference/forest.py",
    "versions": {"python": platform.python_version(), "numpy": np.__version__, "sklearn": sklearn.__version__, "pandas": pd.__version__},
    "exact": [
        exact_case("binary", RandomForestClassifier, {"max_depth": 3}),
        exact_case("binary", RandomForestClassifier, {"criterion": "entropy", "min_samples_leaf": 12}),
        exact_case("regression", RandomForestRegressor, {"min_samples_leaf": 10}),
    ],
    "statistical": stat,
}
out = root / "test" / "reference" / "forest.json"
out.write_text(json.dumps(fixture))
print(f"wrote {out} ({out.stat().st_size} bytes)", file=sys.stderr)
for s in stat:
    print(s["name"], s["metric"], round(s["mean"], 4), "sd", round(s["sd"], 4), file=sys.stderr)

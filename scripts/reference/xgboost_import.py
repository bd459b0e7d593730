"""Reference fixtures for XGBoost import and TreeSHAP (test/explain/xgboost-import.test.ts).

Trains small XGBoost 1.7 models, saves each with booster.save_model(JSON) exactly as a user
would, and records XGBoost's own predictions (output_margin and transformed) and
pred_contribs=True on fixture rows, so the TypeScript import must reproduce them.

Models:
  hillstrom-logistic  binary:logistic on data/hillstrom (target visit), hist, base_score 0.3
  nan-regression      reg:squarederror on seeded synthetic data with 20 % NaN (default
                      directions matter), exact method
  nan-softprob        multi:softprob, 3 classes, same synthetic features, hist
  nan-dart            binary:logistic with the dart booster (per-tree weight_drop)

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/xgboost_import.py
Writes test/reference/xgboost-import.json.gz.
"""
import gzip
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
N_FIXTURE_ROWS = 150


def hillstrom_matrix():
    """The encoding the TypeScript tests rebuild: numeric columns as they are, then one-hot
    columns named column=value in sorted category order."""
    df = pd.read_csv(os.path.join(ROOT, "data", "hillstrom", "hillstrom.csv.gz"))
    out = pd.DataFrame({c: df[c].astype(float) for c in ["recency", "history", "mens", "womens", "newbie"]})
    for col in ["zip_code", "channel", "segment"]:
        for value in sorted(df[col].unique()):
            out[f"{col}={value}"] = (df[col] == value).astype(float)
    return out, df["visit"].to_numpy(float)


def synthetic(seed, n_rows=3000, n_features=6):
    rng = np.random.RandomState(seed)
    x = rng.randn(n_rows, n_features)
    x[:, 3] = np.round(x[:, 3] * 2)  # a few repeated values, so thresholds sit on data values
    signal = 1.5 * x[:, 0] - x[:, 1] * x[:, 2] + np.where(x[:, 3] > 0, 1.0, -0.5) + 0.3 * rng.randn(n_rows)
    x[rng.rand(n_rows, n_features) < 0.2] = np.nan
    return x, signal


def record(name, booster, x, feature_names, note):
    rows = x[:N_FIXTURE_ROWS]
    d = xgb.DMatrix(rows, feature_names=feature_names)
    margin = booster.predict(d, output_margin=True)
    prediction = booster.predict(d)
    contribs = booster.predict(d, pred_contribs=True)
    path = f"/tmp/patron-xgb-{os.getpid()}-{name}.json"
    booster.save_model(path)
    with open(path) as f:
        model = json.load(f)
    os.remove(path)
    to_list = lambda a: [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=np.float64).ravel()]
    return {
        "name": name,
        "note": note,
        "model": model,
        "featureNames": feature_names,
        "nRows": int(rows.shape[0]),
        # row-major rows × features, null = missing
        "x": to_list(rows),
        "margin": to_list(margin),
        "prediction": to_list(prediction),
        # row-major rows × (classes ×) (features + 1), the last column is the bias
        "contribs": to_list(contribs),
        "contribsShape": list(contribs.shape),
    }


def main():
    cases = []
    hx, hy = hillstrom_matrix()
    names = list(hx.columns)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "base_score": 0.3,
         "tree_method": "hist", "seed": 1, "nthread": 2},
        xgb.DMatrix(hx.to_numpy(), label=hy, feature_names=names), num_boost_round=30)
    # fixture rows spread over the file, not only its head
    pick = np.random.RandomState(7).choice(len(hx), N_FIXTURE_ROWS, replace=False)
    cases.append(record("hillstrom-logistic", booster, hx.to_numpy()[pick], names,
                        "hillstrom visit, rows chosen with RandomState(7).choice"))

    x, signal = synthetic(3)
    syn_names = [f"f{j}" for j in range(x.shape[1])]
    booster = xgb.train(
        {"objective": "reg:squarederror", "max_depth": 5, "eta": 0.2, "tree_method": "exact",
         "base_score": 0.25, "seed": 1, "nthread": 2},
        xgb.DMatrix(x, label=signal), num_boost_round=25)
    cases.append(record("nan-regression", booster, x, None, "synthetic, 20 % NaN, exact method"))

    classes = np.digitize(signal, np.quantile(signal, [1 / 3, 2 / 3])).astype(float)
    booster = xgb.train(
        {"objective": "multi:softprob", "num_class": 3, "max_depth": 4, "eta": 0.3,
         "tree_method": "hist", "seed": 1, "nthread": 2},
        xgb.DMatrix(x, label=classes, feature_names=syn_names), num_boost_round=12)
    cases.append(record("nan-softprob", booster, x, syn_names, "synthetic, 3 classes"))

    booster = xgb.train(
        {"objective": "binary:logistic", "booster": "dart", "rate_drop": 0.3, "skip_drop": 0.0,
         "max_depth": 3, "eta": 0.3, "tree_method": "hist", "seed": 1, "nthread": 2},
        xgb.DMatrix(x, label=(signal > 0).astype(float), feature_names=syn_names), num_boost_round=10)
    cases.append(record("nan-dart", booster, x, syn_names, "synthetic, dart booster"))

    out = {
        "generator": "scripts/reference/xgboost_import.py",
        "versions": {"xgboost": xgb.__version__, "numpy": np.__version__, "pandas": pd.__version__,
                     "sklearn": sklearn.__version__, "python": sys.version.split()[0]},
        "cases": cases,
    }
    target = os.path.join(ROOT, "test", "reference", "xgboost-import.json.gz")
    with gzip.open(target, "wt") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {target} ({os.path.getsize(target)} bytes)")


if __name__ == "__main__":
    main()

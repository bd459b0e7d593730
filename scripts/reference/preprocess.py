"""Reference outputs for src/models/preprocess/*.ts from scikit-learn.

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/preprocess.py
Writes test/reference/preprocess.json: a small seeded mixed table (numeric columns with NaN,
an outlier and a constant column; categorical columns with a missing value, a binary column
and rare categories), a second table to transform (with unseen categories and missing values),
and what scikit-learn's scalers, imputers and encoders produce on it. Missing values are
written as null (JSON has no NaN); numeric outputs are column-major like Patron's Matrix.
"""
import json
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import sklearn
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, OrdinalEncoder, RobustScaler, StandardScaler

rng = np.random.default_rng(20240612)

n_fit, n_new = 60, 12


def numeric_table(n):
    a = np.round(rng.normal(10, 3, n), 3)
    a[rng.random(n) < 0.1] = np.nan
    b = np.round(rng.lognormal(0, 1, n), 3)
    b[0] = 250.0  # an outlier the robust scaler should shrug off
    c = np.full(n, 7.25)  # constant: scale stays 1
    d = rng.integers(0, 5, n).astype(float)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d})


def categorical_table(n, unseen):
    cities = np.array(["Москва", "Казань", "Пермь", "Омск"])
    city = cities[rng.choice(4, n, p=[0.5, 0.25, 0.15, 0.1])].astype(object)
    city[rng.random(n) < 0.08] = None
    plan = np.where(rng.random(n) < 0.6, "basic", "pro").astype(object)
    rare_levels = np.array(["r1", "r2", "r3", "r4", "r5", "r6"])
    rare = rare_levels[rng.choice(6, n, p=[0.55, 0.2, 0.1, 0.07, 0.05, 0.03])].astype(object)
    if unseen:
        city[0] = "Тверь"
        plan[1] = "enterprise"
        rare[2] = "r9"
        rare[3] = "r6"
        city[4] = None
    return pd.DataFrame({"city": city, "plan": plan, "rare": rare})


num_fit, num_new = numeric_table(n_fit), numeric_table(n_new)
num_new.loc[5, "a"] = np.nan
cat_fit, cat_new = categorical_table(n_fit, False), categorical_table(n_new, True)
# The fit table must contain a missing city so that "missing" is a learned category.
cat_fit.loc[3, "city"] = None


def col_major(a):
    a = np.asarray(a, dtype=float)
    return [None if np.isnan(v) else float(v) for v in a.T.ravel()]


def listify(values):
    return [None if (v is None or (isinstance(v, float) and np.isnan(v))) else (v if isinstance(v, str) else float(v)) for v in values]


def table(df):
    return {c: listify(df[c].tolist()) for c in df.columns}


cases = []


def add(name, kind, patron_options, transformer, fit_df, new_df, columns):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        transformer.fit(fit_df[columns])
        out_fit = transformer.transform(fit_df[columns])
        out_new = transformer.transform(new_df[columns])
    if hasattr(out_fit, "toarray"):
        out_fit, out_new = out_fit.toarray(), out_new.toarray()
    entry = {
        "name": name,
        "kind": kind,
        "options": patron_options,
        "columns": columns,
        "nOutputs": int(np.asarray(out_fit).shape[1]),
        "fitOutput": col_major(out_fit) if kind != "simple-imputer-categorical" else None,
        "newOutput": col_major(out_new) if kind != "simple-imputer-categorical" else None,
    }
    if kind == "simple-imputer-categorical":
        entry["fitOutput"] = [listify(out_fit[:, j].tolist()) for j in range(out_fit.shape[1])]
        entry["newOutput"] = [listify(out_new[:, j].tolist()) for j in range(out_new.shape[1])]
    if hasattr(transformer, "categories_"):
        entry["categories"] = [listify(list(c)) for c in transformer.categories_]
    cases.append(entry)


numeric = ["a", "b", "c", "d"]
categorical = ["city", "plan", "rare"]

add("standard scaler", "standard-scaler", {}, StandardScaler(), num_fit, num_new, numeric)
add("standard scaler without mean", "standard-scaler", {"withMean": False}, StandardScaler(with_mean=False), num_fit, num_new, numeric)
add("min-max scaler", "min-max-scaler", {}, MinMaxScaler(), num_fit, num_new, numeric)
add("min-max scaler (-1, 1) clipped", "min-max-scaler", {"featureRange": [-1, 1], "clip": True},
    MinMaxScaler(feature_range=(-1, 1), clip=True), num_fit, num_new, numeric)
add("robust scaler", "robust-scaler", {}, RobustScaler(), num_fit, num_new, numeric)
add("robust scaler 10-90 unit variance", "robust-scaler", {"quantileRange": [10, 90], "unitVariance": True},
    RobustScaler(quantile_range=(10.0, 90.0), unit_variance=True), num_fit, num_new, numeric)
add("imputer mean", "simple-imputer", {"strategy": "mean"}, SimpleImputer(strategy="mean"), num_fit, num_new, numeric)
add("imputer median with indicator", "simple-imputer", {"strategy": "median", "addIndicator": True},
    SimpleImputer(strategy="median", add_indicator=True), num_fit, num_new, numeric)
add("imputer most frequent", "simple-imputer", {"strategy": "most_frequent"}, SimpleImputer(strategy="most_frequent"),
    num_fit, num_new, numeric)
add("imputer constant", "simple-imputer", {"strategy": "constant", "fillValue": -1},
    SimpleImputer(strategy="constant", fill_value=-1), num_fit, num_new, numeric)
add("imputer most frequent categorical", "simple-imputer-categorical", {"strategy": "most_frequent"},
    SimpleImputer(strategy="most_frequent", missing_values=None), cat_fit, cat_new, categorical)
add("imputer constant categorical", "simple-imputer-categorical", {"strategy": "constant"},
    SimpleImputer(strategy="constant", missing_values=None), cat_fit, cat_new, categorical)
add("one-hot ignore", "one-hot-encoder", {}, OneHotEncoder(handle_unknown="ignore"), cat_fit, cat_new, categorical)
add("one-hot drop if binary", "one-hot-encoder", {"drop": "if_binary"},
    OneHotEncoder(handle_unknown="ignore", drop="if_binary"), cat_fit, cat_new, categorical)
add("one-hot drop first", "one-hot-encoder", {"drop": "first"}, OneHotEncoder(handle_unknown="ignore", drop="first"),
    cat_fit, cat_new, categorical)
add("one-hot min frequency 5", "one-hot-encoder", {"minFrequency": 5}, OneHotEncoder(handle_unknown="ignore", min_frequency=5),
    cat_fit, cat_new, categorical)
add("one-hot min frequency 0.1 infrequent_if_exist", "one-hot-encoder",
    {"minFrequency": 0.1, "handleUnknown": "infrequent_if_exist"},
    OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=0.1), cat_fit, cat_new, categorical)
add("one-hot max categories 3", "one-hot-encoder", {"maxCategories": 3}, OneHotEncoder(handle_unknown="ignore", max_categories=3),
    cat_fit, cat_new, categorical)
add("one-hot numeric column", "one-hot-encoder", {}, OneHotEncoder(handle_unknown="ignore"), num_fit, num_new, ["d"])
# OrdinalEncoder: unknown → -1; missing → NaN (scikit-learn's encoded_missing_value default).
# scikit-learn 1.2 applies encoded_missing_value to NaN only (None would become a category of
# its own), so missing values are passed as NaN here, which is what Patron's null means.
add("ordinal unknown -1", "ordinal-encoder", {},
    OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
    cat_fit.fillna(np.nan), cat_new.fillna(np.nan), categorical)

out = {
    "generator": "scripts/reference/preprocess.py",
    "versions": {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
    },
    "nFit": n_fit,
    "nNew": n_new,
    "fit": {**table(num_fit), **table(cat_fit)},
    "new": {**table(num_new), **table(cat_new)},
    "cases": cases,
}
path = Path(__file__).resolve().parents[2] / "test" / "reference" / "preprocess.json"
path.write_text(json.dumps(out) + "\n")
print(f"wrote {path} ({path.stat().st_size} bytes, {len(cases)} cases)", file=sys.stderr)

"""A whole pipeline on «В один клик» from scikit-learn, for src/models/preprocess/pipeline.ts.

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/logistic_one_click.py
Reads data/one-click/market_file.csv.gz (as bundled, typos included: 'стандартт' is a
category of its own). Target: Покупательская активность == 'Снизилась'. Features: every
column but id and the target; numeric → median imputation → StandardScaler, categorical →
constant imputation → OneHotEncoder(handle_unknown='ignore'); then LogisticRegression(C=1).
Training rows: ids not divisible by 4; holdout: ids divisible by 4 (the split the GBDT
fixtures use). Writes test/reference/logistic-one-click.json: encoded feature names, scaler
statistics, coefficients, and holdout probabilities.

The logistic regression is fitted with lbfgs (tol 1e-10) and, as the exact optimum of the same
objective, newton-cg at tol 1e-12 (see scripts/reference/logistic.py for why both).
"""
import json
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

root = Path(__file__).resolve().parents[2]
df = pd.read_csv(root / "data" / "one-click" / "market_file.csv.gz")
target = "Покупательская активность"
y = (df[target] == "Снизилась").astype(float).to_numpy()
features = [c for c in df.columns if c not in ("id", target)]
categorical = [c for c in features if df[c].dtype == object]
numeric = [c for c in features if c not in categorical]
holdout = (df["id"] % 4 == 0).to_numpy()


def make(solver, tol):
    pre = ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
            ("cat", Pipeline([("impute", SimpleImputer(strategy="constant")), ("onehot", OneHotEncoder(handle_unknown="ignore"))]), categorical),
        ],
        remainder="drop",
    )
    return Pipeline([("pre", pre), ("model", LogisticRegression(C=1.0, solver=solver, tol=tol, max_iter=100000))])


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    lbfgs = make("lbfgs", 1e-10).fit(df[~holdout][features], y[~holdout])
    exact = make("newton-cg", 1e-12).fit(df[~holdout][features], y[~holdout])

pre = lbfgs.named_steps["pre"]
scaler = pre.named_transformers_["num"].named_steps["scale"]
onehot = pre.named_transformers_["cat"].named_steps["onehot"]
model = lbfgs.named_steps["model"]
gap = np.abs(np.concatenate([model.coef_.ravel() - exact.named_steps["model"].coef_.ravel(),
                             model.intercept_ - exact.named_steps["model"].intercept_])).max()

out = {
    "generator": "scripts/reference/logistic_one_click.py",
    "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
    "target": target,
    "numeric": numeric,
    "categorical": categorical,
    "nTrain": int((~holdout).sum()),
    "holdoutIds": [int(v) for v in df["id"][holdout]],
    "featureNames": [str(v) for v in pre.get_feature_names_out()],
    "scalerMean": [float(v) for v in scaler.mean_],
    "scalerScale": [float(v) for v in scaler.scale_],
    "categories": [[str(v) for v in c] for c in onehot.categories_],
    "coef": [float(v) for v in model.coef_.ravel()],
    "intercept": float(model.intercept_[0]),
    "optimum": {"coef": [float(v) for v in exact.named_steps["model"].coef_.ravel()],
                "intercept": float(exact.named_steps["model"].intercept_[0])},
    "lbfgsGap": float(gap),
    "holdoutProba": [float(v) for v in lbfgs.predict_proba(df[holdout][features])[:, 1]],
}
path = root / "test" / "reference" / "logistic-one-click.json"
path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
print(f"wrote {path} ({path.stat().st_size} bytes; {len(out['featureNames'])} features, gap {gap:.2e})", file=sys.stderr)
